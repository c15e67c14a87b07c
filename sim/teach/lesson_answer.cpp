#include "lesson_answer.hpp"

#include "parse.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <regex>
#include <set>

namespace vmtour {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A word as compared: lower case, without a leading '#' and trailing '.', ':' or ')'.
std::string word_key(std::string_view s) {
    while (!s.empty() && (s.front() == '#' || s.front() == '(' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '.' || s.back() == ':' || s.back() == ')' || s.back() == '"' || s.back() == '?'))
        s.remove_suffix(1);
    return lower(s);
}

// Size suffixes, in the binary units the tools print (4K page, 2 MiB).
std::optional<std::uint64_t> suffix_factor(std::string_view s) {
    const std::string k = lower(s);
    if (k.empty()) return 1;
    for (const auto& [names, shift] : {std::pair{std::set<std::string>{"k", "kb", "kib"}, 10},
                                       std::pair{std::set<std::string>{"m", "mb", "mib"}, 20},
                                       std::pair{std::set<std::string>{"g", "gb", "gib"}, 30},
                                       std::pair{std::set<std::string>{"t", "tb", "tib"}, 40}})
        if (names.count(k)) return std::uint64_t{1} << shift;
    return std::nullopt;
}

std::optional<std::uint64_t> digits(std::string_view s, unsigned base) {
    if (s.empty() || s.size() > 64) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                      : 99;
        if (d >= static_cast<int>(base)) return std::nullopt;
        if (v > (~std::uint64_t{0} - static_cast<unsigned>(d)) / base) return std::nullopt;  // overflow
        v = v * base + static_cast<unsigned>(d);
    }
    return v;
}

// "2^20", as the lessons write powers: decimal base and exponent, nullopt past 64 bits.
std::optional<std::uint64_t> power(std::string_view base, std::string_view exponent) {
    const auto b = digits(base, 10), e = digits(exponent, 10);
    if (!b || !e) return std::nullopt;
    if (*b <= 1) return *e == 0 ? 1 : *b;
    std::uint64_t v = 1;
    for (std::uint64_t i = 0; i < *e; ++i) {
        if (v > ~std::uint64_t{0} / *b) return std::nullopt;
        v *= *b;
    }
    return v;
}

// "1,048,576" as one number (lesson 1 prints it so): each space-separated word that is digits
// in groups of three after the first, with its commas taken out.
std::string without_digit_groups(std::string_view text) {
    static const std::regex grouped("[0-9]{1,3}(,[0-9]{3})+");
    std::string out, word;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        if (c != ' ' && c != '\t') {
            word += c;
            continue;
        }
        if (std::regex_match(word, grouped)) std::erase(word, ',');
        out += word + c;
        word.clear();
    }
    return out;
}

struct Expected {
    std::vector<std::string> alternatives;  // as written, split on '|'
};

Expected expected_value(const std::string& token) {
    Expected e;
    std::size_t start = 0;
    for (;;) {
        const std::size_t bar = token.find('|', start);
        e.alternatives.push_back(token.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    return e;
}

// Does the typed value mean one of the expected alternatives?
bool matches(const Expected& want, const std::string& typed) {
    for (const std::string& alt : want.alternatives) {
        if (const auto n = parse_learner_number(alt, false)) {
            if (parse_learner_number(typed) == n) return true;
        } else if (word_key(alt) == word_key(typed)) {
            return true;
        }
    }
    return false;
}

// A hint for one wrong value: hex typed without 0x and read as decimal, say.
std::string value_hint(const Expected& want, const std::string& typed) {
    for (const std::string& alt : want.alternatives) {
        const auto n = parse_learner_number(alt, false);
        if (!n) continue;
        if (!parse_learner_number(typed)) return fmt::format("'{}' is not a number", quote(typed));
        const auto as_hex = digits(typed, 16);
        if (as_hex && as_hex == n) return fmt::format("{} read as decimal; write hex numbers with 0x", typed);
        return "";
    }
    return "";
}

std::string ordinal(std::size_t i) {
    static const char* const names[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"};
    return i < std::size(names) ? names[i] : fmt::format("#{}", i + 1);
}

// The names of the values from the exercise's `form` ("PD index, PT index, offset"), when there
// are as many as values.
std::vector<std::string> form_names(const Exercise& e) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= e.form.size()) {
        std::size_t comma = e.form.find(',', start);
        if (comma == std::string::npos) comma = e.form.size();
        std::string name = e.form.substr(start, comma - start);
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        if (!name.empty()) names.push_back(name);
        start = comma + 1;
    }
    if (names.size() != e.answer.size()) names.clear();
    return names;
}

// A unit the tools print after a number, attached ("4K") or as the next word ("2 MiB").
bool is_unit(std::string_view w) {
    static const std::set<std::string> units{"K", "M", "G", "KB", "MB", "GB", "KiB", "MiB", "GiB"};
    return units.count(std::string(w)) > 0;
}

// The numbers of an output as the tools print them (0x1f, 31, 4K, 2 MiB), each a whole word: a
// small answer such as 2 or 0x3 must not be found in "2-level", "1.3", "3K" or "2 MiB" by chance.
// Words end at spaces and at , ; : = ( ) [ ] { } | / < > " '; a trailing '.' is punctuation. A
// number directly followed by '-' and a letter is an adjective ("2-level", "64-bit"): not counted.
// A number with a unit counts as the size only.
std::set<std::uint64_t> numbers_in_output(const std::string& output) {
    static const std::string ends = " \t\n\r,;:=()[]{}|/<>\"'";
    std::vector<std::string> words;
    std::string cur;
    for (char c : output + " ") {
        if (ends.find(c) == std::string::npos) {
            cur += c;
            continue;
        }
        if (!cur.empty()) words.push_back(std::move(cur));
        cur.clear();
    }
    // A number and any letters after it: a unit (is_unit) makes it a size, other letters no number.
    static const std::regex number_re("(0x[0-9a-fA-F]+|[0-9]+)([A-Za-z]+)?");
    std::set<std::uint64_t> seen;
    for (std::size_t i = 0; i < words.size(); ++i) {
        std::string w = words[i];
        while (!w.empty() && w.back() == '.') w.pop_back();
        // "0x1000-0x1fff": a range is two numbers; "2-level" is no number.
        std::vector<std::string> parts;
        for (std::size_t start = 0;;) {
            const std::size_t dash = w.find('-', start);
            parts.push_back(w.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
            if (dash == std::string::npos) break;
            start = dash + 1;
        }
        for (std::size_t p = 0; p < parts.size(); ++p) {
            std::smatch m;
            if (!std::regex_match(parts[p], m, number_re) || (m[2].matched && !is_unit(m[2].str()))) continue;
            if (p + 1 < parts.size() && !parts[p + 1].empty() && std::isalpha(static_cast<unsigned char>(parts[p + 1][0])))
                continue;  // "2-level", "64-bit"
            const bool unit_next = parts.size() == 1 && !m[2].matched && i + 1 < words.size() && is_unit(words[i + 1]);
            const std::string text = m[1].str() + (m[2].matched ? m[2].str() : unit_next ? words[i + 1] : "");
            if (const auto v = parse_learner_number(text, false)) seen.insert(*v);
        }
    }
    return seen;
}

}  // namespace

std::optional<std::uint64_t> parse_learner_number(std::string_view text, bool hex_without_prefix) {
    std::string s;
    for (char c : text)
        if (c != '_') s += c;
    if (s.empty()) return std::nullopt;
    if (const std::size_t caret = s.find('^'); caret != std::string::npos)
        return power(std::string_view(s).substr(0, caret), std::string_view(s).substr(caret + 1));
    // The digits, then an optional size suffix (letters after the last digit).
    std::size_t end = s.size();
    unsigned base = 10;
    std::size_t begin = 0;
    if (s.size() > 2 && s[0] == '0') {
        const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
        if (p == 'x' || p == 'b' || p == 'o') {
            base = p == 'x' ? 16 : p == 'b' ? 2 : 8;
            begin = 2;
        }
    }
    if (base == 16) {  // hex digits run to the end; a suffix cannot follow
        return digits(std::string_view(s).substr(begin), 16);
    }
    while (end > begin && std::isalpha(static_cast<unsigned char>(s[end - 1]))) --end;
    const std::string body = s.substr(begin, end - begin), suffix = s.substr(end);
    if (base == 10 && hex_without_prefix && !suffix_factor(suffix)) {
        // "37b", "abe": hex digits with a letter, no suffix that makes sense
        if (std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
            return digits(s, 16);
        return std::nullopt;
    }
    const auto factor = suffix_factor(suffix);
    const auto v = digits(body, base);
    if (!factor || !v) return std::nullopt;
    if (*v > ~std::uint64_t{0} / *factor) return std::nullopt;
    return *v * *factor;
}

std::vector<std::string> answer_values(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r' || c == '\n') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

LessonVerdict grade_lesson_answer(const Exercise& e, std::string_view typed_text) {
    std::vector<Expected> want;
    for (const std::string& t : e.answer) want.push_back(expected_value(t));
    const std::size_t n = want.size();
    std::vector<std::string> typed = answer_values(typed_text);
    // Commas separate values; only when that gives too many is "1,048,576" read as one number.
    if (typed.size() > n) {
        if (auto joined = answer_values(without_digit_groups(typed_text)); joined.size() == n) typed = std::move(joined);
    }
    auto plural = [](std::size_t k) { return fmt::format("{} value{}", k, k == 1 ? "" : "s"); };
    if (typed.size() != n)
        return {false, fmt::format("the answer has {}, you typed {}{}", plural(n), typed.size(),
                                   e.form.empty() ? "" : fmt::format(" ({})", e.form))};
    if (e.answer_set) {
        std::vector<bool> used(n, false);
        for (const std::string& t : typed) {
            std::size_t k = 0;
            while (k < n && (used[k] || !matches(want[k], t))) ++k;
            if (k == n) return {false, fmt::format("{} is not one of them", quote(t))};
            used[k] = true;
        }
        return {true, ""};
    }
    const auto names = form_names(e);
    std::size_t right = 0;
    std::string first_wrong;
    for (std::size_t i = 0; i < n; ++i) {
        if (matches(want[i], typed[i])) {
            ++right;
            continue;
        }
        if (!first_wrong.empty()) continue;
        const std::string what = names.empty() ? fmt::format("the {} value", ordinal(i)) : names[i];
        const std::string more = value_hint(want[i], typed[i]);
        first_wrong = fmt::format("{} is not right{}", what, more.empty() ? "" : " (" + more + ")");
    }
    if (first_wrong.empty()) return {true, ""};
    if (n > 1) first_wrong += fmt::format("; {} of {} right", right, n);
    return {false, first_wrong};
}

std::string answer_display(const Exercise& e) {
    std::string out;
    for (const std::string& t : e.answer) out += (out.empty() ? "" : " ") + expected_value(t).alternatives[0];
    return out;
}

std::string answer_in_output(const Exercise& e, const std::string& output) {
    const std::set<std::uint64_t> seen = numbers_in_output(output);
    for (const std::string& t : e.answer)
        for (const std::string& alt : expected_value(t).alternatives) {
            const auto v = parse_learner_number(alt, false);
            if (!v) continue;  // words are not looked for
            if (!seen.count(*v)) return fmt::format("the answer's {} is not in the output", alt);
            break;  // one alternative that is a number is enough
        }
    return "";
}

}  // namespace vmtour
