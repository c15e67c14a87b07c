// Reading vmreal's report back (vmsim links this): text, CSV and JSON, auto-detected.
#include "report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace vmtour {

namespace {

using Records = Parsed<std::vector<PageRecord>>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Calls fn(line_number, line) for every line that is not blank or a '#' comment; stops at the
// first error fn returns.
template <typename Fn>
std::string for_each_line(std::string_view text, Fn fn) {
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        std::string error = fn(number, line);
        if (!error.empty()) return fmt::format("line {}: {}", number, error);
    }
    return {};
}

// "0x1234" -> Known; "unknown" / "none" / "swapped" -> that status, no address.
std::string parse_pa(std::string_view word, PageRecord& r) {
    for (PaStatus s : {PaStatus::Hidden, PaStatus::NotPresent, PaStatus::Swapped}) {
        if (word == pa_word(s)) {
            r.pa.reset();
            r.status = s;
            return {};
        }
    }
    auto v = parse_u64(word);
    if (!v) return fmt::format("PA '{}' is neither an address nor one of unknown, none, swapped", word);
    r.pa = v.value;
    r.status = PaStatus::Known;
    return {};
}

std::string parse_number(std::string_view what, std::string_view word, std::uint64_t& out) {
    auto v = parse_u64(word);
    if (!v) return fmt::format("{}: {}", what, v.error);
    out = v.value;
    return {};
}

std::string parse_swap(std::string_view word, PageRecord& r) {  // "TYPE:OFFSET"
    const std::size_t colon = word.find(':');
    if (colon == std::string_view::npos) return fmt::format("swap '{}' is not TYPE:OFFSET", word);
    std::uint64_t type = 0;
    if (auto e = parse_number("swap type", word.substr(0, colon), type); !e.empty()) return e;
    r.swap_type = static_cast<std::uint32_t>(type);
    return parse_number("swap offset", word.substr(colon + 1), r.swap_offset);
}

// One text line: [Label:] VA=<va> -> PA=<pa> [flags=a,b] [swap=T:O] [pagemap=0x..]
std::string parse_text_line(std::string_view line, PageRecord& r) {
    const std::size_t at = line.find("VA=");
    if (at == std::string_view::npos || (at != 0 && line[at - 1] != ' '))
        return fmt::format("expected 'VA=0x... -> PA=0x...', got '{}'", line);
    std::string_view rest = line.substr(at + 3);
    const std::size_t arrow = rest.find("->");
    if (arrow == std::string_view::npos) return "missing '->' between VA and PA";
    if (auto e = parse_number("VA", trim(rest.substr(0, arrow)), r.va); !e.empty()) return e;
    rest = trim(rest.substr(arrow + 2));
    if (rest.substr(0, 3) != "PA=") return "missing 'PA=' after '->'";
    rest.remove_prefix(3);
    bool first = true;
    while (!rest.empty()) {
        const std::size_t sp = rest.find(' ');
        const std::string_view word = rest.substr(0, sp);
        rest = trim(sp == std::string_view::npos ? std::string_view{} : rest.substr(sp));
        std::string error;
        if (first) {
            error = parse_pa(word, r);
            first = false;
        } else if (word.substr(0, 6) == "flags=") {
            auto f = flags_from_string(word.substr(6), ',');
            error = f.error;
            r.flags = f.value;
            r.has_flags = true;
        } else if (word.substr(0, 5) == "swap=") {
            error = parse_swap(word.substr(5), r);
        } else if (word.substr(0, 8) == "pagemap=") {
            error = parse_number("pagemap", word.substr(8), r.pagemap);
        } else {
            error = fmt::format("unexpected '{}' after the PA", word);
        }
        if (!error.empty()) return error;
    }
    if (first) return "missing the PA after 'PA='";
    return {};
}

std::vector<std::string_view> split_csv(std::string_view line) {
    std::vector<std::string_view> cells;
    while (true) {
        const std::size_t comma = line.find(',');
        cells.push_back(trim(line.substr(0, comma)));
        if (comma == std::string_view::npos) return cells;
        line.remove_prefix(comma + 1);
    }
}

Records parse_csv(std::string_view text) {
    Records out;
    std::vector<std::string> columns;
    out.error = for_each_line(text, [&](std::size_t, std::string_view line) -> std::string {
        const auto cells = split_csv(line);
        if (columns.empty()) {
            for (auto c : cells) columns.emplace_back(c);
            if (std::find(columns.begin(), columns.end(), "va") == columns.end() ||
                std::find(columns.begin(), columns.end(), "pa") == columns.end())
                return "the CSV header must name the columns va and pa";
            return {};
        }
        if (cells.size() != columns.size())
            return fmt::format("{} cells, but the header has {} columns", cells.size(), columns.size());
        PageRecord r;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::string& col = columns[i];
            const std::string_view cell = cells[i];
            std::string error;
            if (col == "va") error = parse_number("va", cell, r.va);
            else if (col == "pa") error = parse_pa(cell, r);
            else if (col == "flags") {
                auto f = flags_from_string(cell, '|');
                error = f.error;
                r.flags = f.value;
                r.has_flags = true;
            } else if (col == "swap_type" && !cell.empty()) {
                std::uint64_t t = 0;
                error = parse_number("swap_type", cell, t);
                r.swap_type = static_cast<std::uint32_t>(t);
            } else if (col == "swap_offset" && !cell.empty()) {
                error = parse_number("swap_offset", cell, r.swap_offset);
            } else if (col == "pagemap") {
                error = parse_number("pagemap", cell, r.pagemap);
            }
            if (!error.empty()) return error;
        }
        out.value.push_back(r);
        return {};
    });
    if (out.error.empty() && columns.empty()) out.error = "line 1: empty CSV";
    return out;
}

std::size_t line_of_byte(std::string_view text, std::size_t byte) {
    byte = std::min(byte, text.size());
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(byte), '\n'));
}

std::string json_string_field(const nlohmann::json& page, const char* key, bool required,
                              std::string& out) {
    const auto it = page.find(key);
    if (it == page.end()) return required ? fmt::format("'{}' is missing", key) : std::string{};
    if (it->is_number_unsigned()) {
        out = std::to_string(it->get<std::uint64_t>());
        return {};
    }
    if (!it->is_string()) return fmt::format("'{}' must be a string", key);
    out = it->get<std::string>();
    return {};
}

std::string parse_json_page(const nlohmann::json& page, PageRecord& r) {
    if (!page.is_object()) return "is not an object";
    std::string s;
    if (auto e = json_string_field(page, "va", true, s); !e.empty()) return e;
    if (auto e = parse_number("va", s, r.va); !e.empty()) return e;
    if (auto e = json_string_field(page, "pa", true, s); !e.empty()) return e;
    if (auto e = parse_pa(s, r); !e.empty()) return e;
    if (const auto f = page.find("flags"); f != page.end()) {
        if (!f->is_array()) return "'flags' must be an array of names";
        r.has_flags = true;
        for (const auto& name : *f) {
            if (!name.is_string()) return "'flags' must be an array of names";
            auto bit = flags_from_string(name.get<std::string>(), ',');
            if (!bit) return bit.error;
            r.flags |= bit.value;
        }
    }
    if (const auto t = page.find("swap_type"); t != page.end()) {
        if (!t->is_number_unsigned()) return "'swap_type' must be a number";
        r.swap_type = t->get<std::uint32_t>();
    }
    s.clear();
    if (auto e = json_string_field(page, "swap_offset", false, s); !e.empty()) return e;
    if (!s.empty())
        if (auto e = parse_number("swap_offset", s, r.swap_offset); !e.empty()) return e;
    s.clear();
    if (auto e = json_string_field(page, "pagemap", false, s); !e.empty()) return e;
    if (!s.empty())
        if (auto e = parse_number("pagemap", s, r.pagemap); !e.empty()) return e;
    return {};
}

Records parse_json(std::string_view text) {
    Records out;
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line L, column C: ..."
        std::string why = e.what();
        if (const auto colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
        out.error = fmt::format("line {}: not valid JSON: {}", line_of_byte(text, e.byte), why);
        return out;
    } catch (const nlohmann::json::exception& e) {
        // Not a syntax error but a value nlohmann cannot hold (out_of_range.406: a number too large
        // for a double); found by fuzz_report. One line, like any other bad input.
        std::string why = e.what();
        if (const auto bracket = why.find("] "); bracket != std::string::npos) why = why.substr(bracket + 2);
        out.error = fmt::format("not valid JSON: {}", why);
        return out;
    }
    const nlohmann::json* pages = &doc;
    if (doc.is_object()) {
        const auto it = doc.find("pages");
        if (it == doc.end() || !it->is_array()) {
            out.error = "line 1: the JSON object has no \"pages\" array";
            return out;
        }
        pages = &*it;
    } else if (!doc.is_array()) {
        out.error = "line 1: expected a JSON object with \"pages\" or an array of pages";
        return out;
    }
    out.value.reserve(pages->size());
    for (std::size_t i = 0; i < pages->size(); ++i) {
        PageRecord r;
        if (auto e = parse_json_page((*pages)[i], r); !e.empty()) {
            // The document is parsed, so a position is gone; vmreal writes page i on line i + 2.
            out.error = fmt::format("line {}: pages[{}]: {}", doc.is_object() ? i + 2 : i + 1, i, e);
            out.value.clear();
            return out;
        }
        out.value.push_back(r);
    }
    return out;
}

}  // namespace

Parsed<std::vector<PageRecord>> parse_report(std::string_view text) {
    std::string_view start = text;
    while (!start.empty() && std::isspace(static_cast<unsigned char>(start.front()))) start.remove_prefix(1);
    if (!start.empty() && (start.front() == '{' || start.front() == '[')) return parse_json(text);

    // The first line that is not blank or a comment decides between CSV and text.
    bool csv = false;
    for_each_line(text, [&](std::size_t, std::string_view line) -> std::string {
        csv = line.substr(0, 3) == "va,";
        return "stop";
    });
    if (csv) return parse_csv(text);

    Records out;
    out.error = for_each_line(text, [&](std::size_t, std::string_view line) -> std::string {
        PageRecord r;
        std::string error = parse_text_line(line, r);
        if (error.empty()) out.value.push_back(r);
        return error;
    });
    if (!out.error.empty()) out.value.clear();
    return out;
}

}  // namespace vmtour
