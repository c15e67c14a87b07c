// Writing vmreal's report. The reader is in report_parse.cpp.
#include "report.hpp"

#include <array>

namespace vmtour {

namespace {

constexpr FlagName FLAG_NAMES[] = {
    {kPresent, "present"},     {kSwapped, "swapped"}, {kFileShared, "file-shared"},
    {kExclusive, "exclusive"}, {kSoftDirty, "soft-dirty"}, {kUffdWp, "uffd-wp"},
    {kGuard, "guard"},         {kThp, "thp"},         {kHugetlb, "hugetlb"},
    {kZeroPage, "zero-page"},
};

constexpr std::size_t FLUSH_AT = 256 * 1024;

// "0x" and exactly 16 hex digits, like the kernel module's lines: columns line up and sort.
void append_hex16(std::string& out, std::uint64_t v) {
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::array<char, 18> s{};
    s[0] = '0';
    s[1] = 'x';
    for (int i = 17; i >= 2; --i) {
        s[static_cast<std::size_t>(i)] = DIGITS[v & 0xf];
        v >>= 4;
    }
    out.append(s.data(), s.size());
}

void append_hex(std::string& out, std::uint64_t v) {  // shortest form, for swap offsets
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::array<char, 18> s{};
    std::size_t n = s.size();
    do {
        s[--n] = DIGITS[v & 0xf];
        v >>= 4;
    } while (v != 0);
    s[--n] = 'x';
    s[--n] = '0';
    out.append(s.data() + n, s.size() - n);
}

void append_flags(std::string& out, std::uint32_t flags, char separator) {
    bool first = true;
    for (const FlagName& f : FLAG_NAMES) {
        if ((flags & f.flag) == 0) continue;
        if (!first) out += separator;
        out += f.name;
        first = false;
    }
}

void append_pa(std::string& out, const PageRecord& r) {
    if (r.pa) append_hex16(out, *r.pa);
    else out += pa_word(r.status == PaStatus::Known ? PaStatus::Hidden : r.status);
}

}  // namespace

std::string_view pa_word(PaStatus s) {
    switch (s) {
    case PaStatus::Known: return "";
    case PaStatus::Hidden: return "unknown";
    case PaStatus::NotPresent: return "none";
    case PaStatus::Swapped: return "swapped";
    }
    return "";
}

std::span<const FlagName> flag_names() { return FLAG_NAMES; }

std::string flags_to_string(std::uint32_t flags, char separator) {
    std::string out;
    append_flags(out, flags, separator);
    return out;
}

Parsed<std::uint32_t> flags_from_string(std::string_view text, char separator) {
    Parsed<std::uint32_t> out;
    if (text == "-") return out;
    while (!text.empty()) {
        const std::size_t cut = text.find(separator);
        const std::string_view word = text.substr(0, cut);
        bool known = false;
        for (const FlagName& f : FLAG_NAMES) {
            if (f.name == word) {
                out.value |= f.flag;
                known = true;
            }
        }
        if (!known) {
            out.error = "unknown flag '" + std::string(word) + "'";
            return out;
        }
        if (cut == std::string_view::npos) break;
        text.remove_prefix(cut + 1);
    }
    return out;
}

std::optional<ReportFormat> report_format_from(std::string_view name) {
    if (name == "text") return ReportFormat::Text;
    if (name == "csv") return ReportFormat::Csv;
    if (name == "json") return ReportFormat::Json;
    return std::nullopt;
}

ReportWriter::ReportWriter(ReportFormat format, bool with_flags, Sink sink)
    : format_(format), with_flags_(with_flags), sink_(std::move(sink)) {
    buf_.reserve(FLUSH_AT + 4096);
}

void ReportWriter::begin(const ReportInfo& info) {
    if (format_ == ReportFormat::Csv) {
        buf_ += with_flags_ ? "va,pa,flags,swap_type,swap_offset,pagemap\n" : "va,pa\n";
    } else if (format_ == ReportFormat::Json) {
        buf_ += "{\"vmreal\":1,\"block\":\"" + info.block + "\",\"size\":" + std::to_string(info.size) +
                ",\"touch\":\"" + info.touch + "\",\"pages\":[\n";
    }
    first_ = true;
}

void ReportWriter::add(const PageRecord& r) {
    switch (format_) {
    case ReportFormat::Text:
        buf_ += "VA=";
        append_hex16(buf_, r.va);
        buf_ += " -> PA=";
        append_pa(buf_, r);
        if (with_flags_) {
            buf_ += " flags=";
            if (r.flags) append_flags(buf_, r.flags, ',');
            else buf_ += '-';
            if (r.flags & kSwapped) {
                buf_ += " swap=" + std::to_string(r.swap_type) + ':';
                append_hex(buf_, r.swap_offset);
            }
            buf_ += " pagemap=";
            append_hex16(buf_, r.pagemap);
        }
        buf_ += '\n';
        break;
    case ReportFormat::Csv:
        append_hex16(buf_, r.va);
        buf_ += ',';
        append_pa(buf_, r);
        if (with_flags_) {
            buf_ += ',';
            append_flags(buf_, r.flags, '|');
            buf_ += ',';
            if (r.flags & kSwapped) {
                buf_ += std::to_string(r.swap_type) + ',';
                append_hex(buf_, r.swap_offset);
            } else {
                buf_ += ',';
            }
            buf_ += ',';
            append_hex16(buf_, r.pagemap);
        }
        buf_ += '\n';
        break;
    case ReportFormat::Json:
        buf_ += first_ ? "{\"va\":\"" : ",\n{\"va\":\"";
        append_hex16(buf_, r.va);
        buf_ += "\",\"pa\":\"";
        append_pa(buf_, r);
        buf_ += '"';
        if (with_flags_) {
            buf_ += ",\"flags\":[";
            bool first_flag = true;
            for (const FlagName& f : FLAG_NAMES) {
                if ((r.flags & f.flag) == 0) continue;
                buf_ += first_flag ? "\"" : ",\"";
                buf_ += f.name;
                buf_ += '"';
                first_flag = false;
            }
            buf_ += ']';
            if (r.flags & kSwapped) {
                buf_ += ",\"swap_type\":" + std::to_string(r.swap_type) + ",\"swap_offset\":\"";
                append_hex(buf_, r.swap_offset);
                buf_ += '"';
            }
            buf_ += ",\"pagemap\":\"";
            append_hex16(buf_, r.pagemap);
            buf_ += '"';
        }
        buf_ += '}';
        break;
    }
    first_ = false;
    flush_if_full();
}

void ReportWriter::end() {
    if (format_ == ReportFormat::Json) buf_ += first_ ? "]}\n" : "\n]}\n";
    if (!buf_.empty()) sink_(buf_);
    buf_.clear();
}

void ReportWriter::flush_if_full() {
    if (buf_.size() < FLUSH_AT) return;
    sink_(buf_);
    buf_.clear();
}

std::string write_report(std::span<const PageRecord> records, ReportFormat format, bool with_flags,
                         const ReportInfo& info) {
    std::string out;
    ReportWriter w(format, with_flags, [&](std::string_view chunk) { out += chunk; });
    w.begin(info);
    for (const PageRecord& r : records) w.add(r);
    w.end();
    return out;
}

}  // namespace vmtour
