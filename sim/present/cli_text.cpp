#include "cli_text.hpp"

#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <sstream>

namespace vmtour {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;  // at most a third of the word
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

std::string WrappingFormatter::make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const {
    std::string raw = CLI::Formatter::make_help(app, std::move(name), mode);
    // The footer (CLI11 puts it last) is our own text, laid out by hand: it is kept as written,
    // so a line too wide shows in tests/golden/help.sh instead of being wrapped here into a
    // paragraph with a stray short line in it.
    const std::string footer = make_footer(app);
    const bool keep_footer = !footer.empty() && raw.size() >= footer.size() &&
                             raw.compare(raw.size() - footer.size(), footer.size(), footer) == 0;
    if (keep_footer) raw.resize(raw.size() - footer.size());
    const std::size_t col = get_column_width();
    std::istringstream in(raw);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (display_width(line) <= TEXT_WIDTH) {
            out += line + "\n";
            continue;
        }
        // An option's line: indented by two, its name, spaces to the column, then the description;
        // the wrapped description stays under its column. Any other line (the command's
        // description, the footer) keeps its own indent, even where a space falls at the column.
        const bool two_columns = line.size() > col && line.rfind("  ", 0) == 0 && line[2] != ' ' &&
                                 line[col - 1] == ' ' && line[col] != ' ' && line.find_first_not_of(' ') < col;
        std::size_t indent = two_columns ? col : line.find_first_not_of(' ');
        if (indent == std::string::npos || indent > 40) indent = 2;
        out += wrap(line, TEXT_WIDTH, std::string(indent, ' ')) + "\n";
    }
    return keep_footer ? out + footer : out;
}

void use_wrapping_help(CLI::App& app) { app.formatter(std::make_shared<WrappingFormatter>()); }

namespace {

const CLI::App* deepest(const CLI::App& app) {
    const CLI::App* at = &app;
    for (;;) {
        const auto subs = at->get_subcommands();
        if (subs.empty()) return at;
        at = subs.front();
    }
}

std::string command_path(const CLI::App* at) {
    std::string path;
    for (; at; at = at->get_parent()) path = at->get_name() + (path.empty() ? "" : " " + path);
    return path;
}

std::vector<std::string> option_names(const CLI::App* at) {
    std::vector<std::string> names;
    for (; at; at = at->get_parent())
        for (const CLI::Option* opt : at->get_options()) {
            for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
            for (const auto& s : opt->get_snames()) names.push_back("-" + s);
        }
    return names;
}

std::vector<std::string> subcommand_names(const CLI::App* at) {
    std::vector<std::string> names;
    for (const CLI::App* sub : at->get_subcommands({})) names.push_back(sub->get_name());
    return names;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
    if (const auto p = s.find(from); p != std::string::npos) s.replace(p, from.size(), to);
    return s;
}

// "The following argument(s) were not expected: a b" -> the word to name: the first that looks
// like an option (CLI11 lists the words last first, so "--pagez 4K" comes as "4K --pagez", and
// the option is what was mistyped), else the first.
std::string unexpected_word(const std::string& what) {
    const auto colon = what.find(": ");
    if (colon == std::string::npos) return "";
    std::istringstream words(what.substr(colon + 2));
    std::string first, w;
    while (words >> w) {
        if (w.size() > 1 && w[0] == '-') return w;
        if (first.empty()) first = w;
    }
    return first;
}

// CLI11 prints a range of floats as "0.100000 to 600.000000": "0.1 to 600".
std::string without_trailing_zeros(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const bool decimal_point = s[i] == '.' && i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                                   i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]));
        if (!decimal_point) {
            out += s[i++];
            continue;
        }
        std::size_t end = i + 1;
        while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
        std::string fraction = s.substr(i + 1, end - i - 1);
        while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
        if (!fraction.empty()) out += "." + fraction;
        i = end;
    }
    return out;
}

}  // namespace

std::string parse_error_text(const CLI::App& app, const CLI::ParseError& e, std::string_view program) {
    const CLI::App* at = deepest(app);
    const std::string where = command_path(at);
    std::string what = e.what();
    std::string list;
    for (const auto& sub : subcommand_names(at)) list += (list.empty() ? "" : ", ") + sub;
    const bool no_command = dynamic_cast<const CLI::RequiredError*>(&e) && what.find("subcommand") != std::string::npos;
    const std::vector<std::string> rest = at->remaining();
    if (dynamic_cast<const CLI::ExtrasError*>(&e) || (no_command && !rest.empty())) {
        const std::string word = no_command ? rest.front() : unexpected_word(what);
        const bool is_option = !word.empty() && word[0] == '-';
        const std::string near = closest(word, is_option ? option_names(at) : subcommand_names(at));
        if (is_option) what = fmt::format("no option {}", word);
        else if (no_command) what = fmt::format("unknown command '{}'", word);
        else what = fmt::format("unexpected argument '{}'", word);
        if (!near.empty()) what += fmt::format("; did you mean '{}'?", near);
    } else if (no_command) {
        what = fmt::format("give a command: {}", list);
        if (display_width(what) + program.size() + where.size() + 15 > TEXT_WIDTH) what = "give a command";
    } else if (dynamic_cast<const CLI::RequiredError*>(&e)) {
        what = "missing " + replace(what, " is required", "");
    } else if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
        const std::string name = what.substr(0, what.find(':'));
        what = what.find("At Most") != std::string::npos ? fmt::format("{} takes one value", name)
                                                        : fmt::format("{} needs a value", name);
    } else if (dynamic_cast<const CLI::ConversionError*>(&e)) {
        // "Could not convert: --seed = abc". A number that fails is too large for the option, or
        // negative for an unsigned one.
        what = replace(what, "Could not convert: ", "");
        const std::size_t eq = what.find(" = ");
        const std::string name = what.substr(0, eq), value = eq == std::string::npos ? "" : what.substr(eq + 3);
        const bool minus = !value.empty() && value[0] == '-';
        const std::string digits = minus ? value.substr(1) : value;
        if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            what = minus ? fmt::format("{}: {} must be an unsigned number", name, value)
                         : fmt::format("{}: {} is too large", name, value);
        else
            what = replace(what, " = ", ": not a number: ");
    } else if (dynamic_cast<const CLI::ValidationError*>(&e)) {
        what = without_trailing_zeros(replace(replace(what, "Value ", ""), " not in range ", " is not in the range "));
    } else if (dynamic_cast<const CLI::ExcludesError*>(&e)) {
        what = replace(what, " excludes ", " and ") + " cannot be used together";
    }
    // The pointer to the help when it fits on the line.
    const std::string line = fmt::format("{}: {}", program, what);
    const std::string see = fmt::format(" (see '{} --help')", where);
    return display_width(line) + see.size() <= TEXT_WIDTH ? line + see : line;
}

}  // namespace vmtour
