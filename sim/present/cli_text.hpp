// What vmsim and vmreal share on the command line: help wrapped to 80 columns, errors in
// vmtour's words (not CLI11's), and did-you-mean suggestions for mistyped commands and options.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// Levenshtein distance, for did-you-mean.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close enough to be a typo, else "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// CLI11's help, with every line wrapped to 80 columns (descriptions under their column), but
// the footer, which is kept as written.
class WrappingFormatter : public CLI::Formatter {
public:
    WrappingFormatter() { column_width(26); }
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
};

// Gives `app` (and the subcommands added later) the wrapping formatter.
void use_wrapping_help(CLI::App& app);

// One line, in our words, for a command-line error of `app` (the top-level app, after parse threw).
// `program` is "vmsim" or "vmreal".
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& e, std::string_view program);

}  // namespace vmtour
