#include "trace.hpp"

#include "parse.hpp"

#include <cstring>
#include <fmt/format.h>

namespace vmtour {

namespace {

constexpr std::size_t BUFFER = std::size_t{1} << 20;  // also the longest line accepted

// Lackey's hex numbers (no 0x, though one is accepted); fast, because traces are long.
bool hex(std::string_view s, std::uint64_t& v) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    if (s.empty() || s.size() > 16) return false;
    v = 0;
    for (char ch : s) {
        unsigned d;
        if (ch >= '0' && ch <= '9') d = static_cast<unsigned>(ch - '0');
        else if (ch >= 'a' && ch <= 'f') d = static_cast<unsigned>(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') d = static_cast<unsigned>(ch - 'A' + 10);
        else return false;
        v = v << 4 | d;
    }
    return true;
}

// Splits off the next blank-separated word.
std::string_view word(std::string_view& s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    const std::string_view w = s.substr(i, j - i);
    s.remove_prefix(j);
    return w;
}

bool lackey(std::string_view line, TraceEvent& e, std::string& why) {
    // "I  addr,size" or " K addr,size" with K one of L, S, M.
    const char k = line[0] == 'I' ? 'I' : line[1];
    e.kind = k == 'I' ? EventKind::Fetch : k == 'L' ? EventKind::Read : EventKind::Write;
    std::string_view rest = line.substr(3);
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    const std::size_t comma = rest.find(',');
    if (comma == std::string_view::npos) return why = "a lackey line needs ADDRESS,SIZE", false;
    std::string_view size = rest.substr(comma + 1);
    while (!size.empty() && (size.back() == ' ' || size.back() == '\t')) size.remove_suffix(1);
    std::uint64_t n = 0;
    auto shown = [](std::string_view text) { return quote(text.substr(0, 24)); };  // one short line
    if (!hex(rest.substr(0, comma), e.a)) return why = fmt::format("bad lackey address '{}'", shown(rest.substr(0, comma))), false;
    if (!hex(size, n) || n == 0 || n > 4096) return why = fmt::format("bad lackey size '{}'", shown(size)), false;
    e.size = n;
    return true;
}

bool number(std::string_view w, std::uint64_t& v, std::string_view what, std::string& why) {
    if (w.empty()) return why = fmt::format("missing {}", what), false;
    auto p = parse_u64(w);
    if (!p) return why = fmt::format("bad {}: {}", what, p.error), false;
    v = p.value;
    return true;
}

}  // namespace

bool parse_trace_line(std::string_view line, TraceEvent& e, bool& skip, std::string& why) {
    skip = false;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() >= 2 && (line.substr(0, 2) == "==" || line.substr(0, 2) == "--")) return skip = true, true;
    if (line.size() > 3 && line[2] == ' ' &&
        ((line[0] == 'I' && line[1] == ' ') || (line[0] == ' ' && (line[1] == 'L' || line[1] == 'S' || line[1] == 'M'))))
        return lackey(line, e, why);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::string_view rest = line;
    const std::string_view op = word(rest);
    if (op.empty()) return skip = true, true;
    e = TraceEvent{};
    auto end = [&] {
        if (!word(rest).empty()) return why = fmt::format("too many words after '{}'", op), false;
        return true;
    };
    if (op == "r" || op == "w" || op == "x" || op == "invlpg") {
        e.kind = op == "r" ? EventKind::Read : op == "w" ? EventKind::Write : op == "x" ? EventKind::Fetch : EventKind::Invlpg;
        return number(word(rest), e.a, "virtual address", why) && end();
    }
    if (op == "cr3") return e.kind = EventKind::Cr3, number(word(rest), e.a, "CR3 value", why) && end();
    if (op == "set") {
        e.kind = EventKind::Set;
        return number(word(rest), e.a, "physical address", why) && number(word(rest), e.b, "entry value", why) && end();
    }
    if (op == "cr4.pge" || op == "cr4.pcide") {
        e.kind = op == "cr4.pge" ? EventKind::Pge : EventKind::Pcide;
        if (!number(word(rest), e.a, "bit", why)) return false;
        if (e.a > 1) return why = fmt::format("{} takes 0 or 1", op), false;
        return end();
    }
    if (op == "invpcid") {
        e.kind = EventKind::Invpcid;
        std::uint64_t type = 0;
        if (!number(word(rest), type, "INVPCID type", why) || !number(word(rest), e.b, "PCID", why)) return false;
        if (type > 3) return why = fmt::format("INVPCID type {} does not exist (0-3)", type), false;
        e.c = static_cast<unsigned>(type);
        const std::string_view va = word(rest);
        if (type == 0 && va.empty()) return why = "INVPCID type 0 needs a virtual address", false;
        if (!va.empty() && !number(va, e.a, "virtual address", why)) return false;
        return end();
    }
    // The list of events is in trace.hpp and docs/tlb.md; the message stays within 80 columns.
    why = fmt::format("unknown event '{}' (docs/tlb.md lists them)", quote(op.substr(0, 16)));
    return false;
}

TraceReader::TraceReader(const std::string& path) : name_(path == "-" ? "<stdin>" : path), buf_(new char[BUFFER]) {
    if (path == "-") {
        f_ = stdin;
    } else {
        f_ = std::fopen(path.c_str(), "rb");
        owned_ = f_ != nullptr;
        if (!f_) error_ = fmt::format("{}: cannot open the trace: {}", path, std::strerror(errno));
    }
}

TraceReader::~TraceReader() {
    if (owned_) std::fclose(f_);
}

bool TraceReader::fail(std::string reason) {
    error_ = fmt::format("{}:{}: {}", name_, line_, reason);
    return false;
}

bool TraceReader::next_line(std::string_view& out) {
    for (;;) {
        const char* start = buf_.get() + begin_;
        if (const void* nl = std::memchr(start, '\n', end_ - begin_)) {
            const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
            out = {start, len};
            begin_ += len + 1;
            return true;
        }
        if (eof_) {
            if (begin_ == end_) return false;
            out = {start, end_ - begin_};
            begin_ = end_;
            return true;
        }
        std::memmove(buf_.get(), start, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (end_ == BUFFER) {
            ++line_;
            return fail(fmt::format("a line longer than {} bytes", BUFFER));
        }
        const std::size_t got = std::fread(buf_.get() + end_, 1, BUFFER - end_, f_);
        if (got == 0) {
            if (std::ferror(f_)) return fail(fmt::format("read error: {}", std::strerror(errno)));
            eof_ = true;
        }
        end_ += got;
    }
}

bool TraceReader::next(TraceEvent& e) {
    if (!error_.empty()) return false;
    std::string_view line;
    std::string why;
    while (next_line(line)) {
        ++line_;
        bool skip = false;
        if (!parse_trace_line(line, e, skip, why)) return fail(why);
        if (!skip) return true;
    }
    return false;
}

}  // namespace vmtour
