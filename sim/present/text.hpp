// Terminal text: display width, wrapping to 80 columns, and the style (colour, UTF-8 or ASCII)
// the output is drawn in. The machine never sees any of this: it is how results are shown.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

inline constexpr std::size_t TEXT_WIDTH = 80;

// Columns a line takes on a terminal: UTF-8 code points, not counting ANSI colour sequences.
std::size_t display_width(std::string_view line);

// Breaks `text` at spaces so every line fits `width`; lines after the first start with `indent`.
std::string wrap(std::string_view text, std::size_t width = TEXT_WIDTH, std::string_view indent = "");

enum class Color { None, Red, Green, Yellow, Blue, Magenta, Cyan, Bold, Dim, Underline, BoldUnderline };

// How to draw: with colour or not, with UTF-8 symbols or plain ASCII. The default draws plain
// ASCII without colour, which is what goes into files and pipes.
struct Style {
    bool color = false;
    bool utf8 = false;

    std::string paint(std::string_view text, Color c) const;
    // The colour of walk step `level` (0 = the top level), shared by the address split and the steps.
    static Color level_color(unsigned level);
    std::string_view check() const { return utf8 ? "\u2713" : "ok"; }   // ✓
    std::string_view cross() const { return utf8 ? "\u2717" : "X"; }    // ✗
    std::string_view arrow() const { return utf8 ? "\u2192" : "->"; }   // →
};

// The style for stdout, decided once: colour when `mode` is "always", or "auto" and stdout is a
// terminal and NO_COLOR is unset or empty (no-color.org); UTF-8 when the locale's codeset is.
Style terminal_style(std::string_view mode);

// The process-wide style the renderers use (set once by the command's main).
const Style& style();
void set_style(const Style& s);

}  // namespace vmtour
