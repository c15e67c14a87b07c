#include "parse.hpp"

#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <fmt/format.h>

namespace vmtour {

namespace {

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

// Parses all of `digits` in `base`; on failure says why, quoting `whole`.
Parsed<std::uint64_t> parse_digits(std::string_view digits, unsigned base, std::string_view whole) {
    Parsed<std::uint64_t> out;
    if (digits.empty()) {
        out.error = fmt::format("'{}' is not a number", whole);
        return out;
    }
    std::uint64_t v = 0;
    for (char c : digits) {
        if (c == '_' || c == '\'') continue;  // digit separators, as in 0xffff_8000_0000_0000
        const int d = digit_value(c);
        if (d >= static_cast<int>(base)) {
            out.error = fmt::format("'{}' is not a number (unexpected '{}')", whole, c);
            return out;
        }
        if (v > (UINT64_MAX - static_cast<unsigned>(d)) / base) {
            out.error = fmt::format("'{}' does not fit in 64 bits", whole);
            return out;
        }
        v = v * base + static_cast<unsigned>(d);
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
        return {0, fmt::format("'{}' must be an unsigned number", text)};
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
    if (!n) return {0, fmt::format("'{}' is not a size (use a number with an optional K, M or G)", text)};
    if (shift && n.value > (UINT64_MAX >> shift)) return {0, fmt::format("size '{}' is too large", text)};
    n.value <<= shift;
    if (n.value == 0 && !allow_zero) return {0, fmt::format("size '{}' must be greater than zero", text)};
    return n;
}

Parsed<std::string> read_input(const std::string& path, std::string_view what) {
    Parsed<std::string> out;
    if (path == "-") {
        out.value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        return out;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        out.error = fmt::format("{}: cannot open the {}", path, what);
        return out;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) out.error = fmt::format("{}: cannot read the {}", path, what);
    else out.value = ss.str();
    return out;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr struct { unsigned shift; char suffix; } units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (auto [shift, suffix] : units)
        if (bytes && bytes % (std::uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, suffix);
    return fmt::format("{}", bytes);
}

}  // namespace vmtour
