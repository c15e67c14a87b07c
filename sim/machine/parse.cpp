#include "parse.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmtour {

namespace {

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

// The character at s[i] for an error message: printable ASCII as itself, a well-formed UTF-8
// sequence as its whole code point, any other byte as \xNN, so a message never holds half a
// character.
std::string quote_char(std::string_view s, std::size_t i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7f) return std::string(1, s[i]);
    const std::size_t len = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    bool whole = len > 0 && b < 0xf5 && i + len <= s.size();
    for (std::size_t k = 1; whole && k < len; ++k) whole = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (whole) return std::string(s.substr(i, len));
    return fmt::format("\\x{:02x}", b);
}

}  // namespace

std::string quote(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::string c = quote_char(text, i);
        i += c.size() > 1 && c[0] != '\\' ? c.size() : 1;
        out += c;
    }
    return out;
}

namespace {

// Parses all of `digits` in `base`; on failure says why, quoting `whole`.
Parsed<std::uint64_t> parse_digits(std::string_view digits, unsigned base, std::string_view raw) {
    Parsed<std::uint64_t> out;
    const auto whole = [&] { return quote(raw); };  // only for an error: numbers are parsed by the million
    std::uint64_t v = 0;
    bool any = false;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const char c = digits[i];
        if (c == '_' || c == '\'') continue;  // digit separators, as in 0xffff_8000_0000_0000
        const int d = digit_value(c);
        if (d >= static_cast<int>(base)) {
            out.error = fmt::format("'{}' is not a number (unexpected '{}')", whole(), quote_char(digits, i));
            return out;
        }
        if (v > (UINT64_MAX - static_cast<unsigned>(d)) / base) {
            out.error = fmt::format("'{}' does not fit in 64 bits", whole());
            return out;
        }
        v = v * base + static_cast<unsigned>(d);
        any = true;
    }
    if (!any) {  // "", "_", "0x_": separators alone are not a number
        out.error = fmt::format("'{}' is not a number", whole());
        return out;
    }
    out.value = v;
    return out;
}

}  // namespace

Parsed<std::uint64_t> parse_u64(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        return parse_digits(text.substr(2), 16, text);
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B'))
        return parse_digits(text.substr(2), 2, text);
    if (!text.empty() && (text[0] == '-' || text[0] == '+'))
        return {0, fmt::format("'{}' must be an unsigned number", quote(text))};
    return parse_digits(text, 10, text);
}

Parsed<std::uint64_t> parse_size(std::string_view text, bool allow_zero) {
    std::string_view num = text;
    unsigned shift = 0;
    auto strip = [&](std::string_view suffix) {
        if (num.size() > suffix.size()) {
            std::string_view tail = num.substr(num.size() - suffix.size());
            bool same = true;
            for (std::size_t i = 0; i < suffix.size(); ++i)
                same = same && std::tolower(static_cast<unsigned char>(tail[i])) == suffix[i];
            if (same) {
                num.remove_suffix(suffix.size());
                return true;
            }
        }
        return false;
    };
    const bool hex = num.size() > 2 && num[0] == '0' && (num[1] == 'x' || num[1] == 'X');
    if (!hex) {  // in hex, a trailing B is a digit
        if (!strip("ib")) strip("b");
    }
    if (strip("k")) shift = 10;
    else if (strip("m")) shift = 20;
    else if (strip("g")) shift = 30;
    else if (strip("t")) shift = 40;

    auto n = parse_u64(num);
    if (!n) return {0, fmt::format("'{}' is not a size (use a number with an optional K, M or G)", quote(text))};
    if (shift && n.value > (UINT64_MAX >> shift)) return {0, fmt::format("size '{}' is too large", quote(text))};
    n.value <<= shift;
    if (n.value == 0 && !allow_zero) return {0, fmt::format("size '{}' must be greater than zero", quote(text))};
    return n;
}

Parsed<std::string> read_input(const std::string& path, std::string_view what, std::size_t limit) {
    Parsed<std::string> out;
    const bool in = path == "-";
    const std::string shown = in ? "<stdin>" : path;
    const int fd = in ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        out.error = fmt::format("{}: cannot open the {}: {}", shown, what, std::strerror(errno));
        return out;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        const bool vowel = !what.empty() && std::string_view("aeiou").find(what.front()) != std::string_view::npos;
        out.error = fmt::format("{}: is a directory, not {} {}", shown, vowel ? "an" : "a", what);
    } else {
        // Read in pieces up to one byte past the limit: /dev/zero or a pipe that never ends is
        // refused after `limit` bytes instead of growing without bound.
        char buf[65536];
        while (out.error.empty()) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n == 0) break;
            if (n < 0) {
                if (errno == EINTR) continue;
                out.error = fmt::format("{}: cannot read the {}: {}", shown, what, std::strerror(errno));
            } else if (out.value.size() + static_cast<std::size_t>(n) > limit) {
                out.error = fmt::format("{}: the {} is larger than {}; refused (see docs/machine-format.md, "
                                        "\"Limits\")", shown, what, format_size(limit));
            } else {
                out.value.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    if (!in) ::close(fd);
    if (!out.error.empty()) out.value = std::string();
    return out;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr struct { unsigned shift; char suffix; } units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (auto [shift, suffix] : units)
        if (bytes && bytes % (std::uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, suffix);
    return fmt::format("{}", bytes);
}

}  // namespace vmtour
