#include "text.hpp"

#include <algorithm>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <langinfo.h>
#include <unistd.h>

namespace vmtour {

std::size_t display_width(std::string_view line) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c == 0x1b && i + 1 < line.size() && line[i + 1] == '[') {  // CSI ... final byte
            i += 2;
            while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e)) ++i;
            continue;
        }
        if ((c & 0xc0) != 0x80) ++w;  // count lead bytes only
    }
    return w;
}

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
    // The first line keeps the text's own leading spaces, and runs of spaces between words stay
    // as they are (they align columns); a broken line's spaces go and the next starts with `indent`.
    std::size_t pos = std::min(text.find_first_not_of(' '), text.size());
    std::string out;
    std::string line(text.substr(0, pos));
    bool empty_line = true;
    while (pos < text.size()) {
        const std::size_t word_start = std::min(text.find_first_not_of(' ', pos), text.size());
        const std::string_view sep = text.substr(pos, word_start - pos);
        std::size_t word_end = text.find(' ', word_start);
        if (word_end == std::string_view::npos) word_end = text.size();
        const std::string_view word = text.substr(word_start, word_end - word_start);
        pos = word_end;
        if (word.empty()) break;
        if (!empty_line && display_width(line) + sep.size() + display_width(word) > width) {
            out += line + "\n";
            line = std::string(indent);
            empty_line = true;
        }
        if (!empty_line) line += sep;
        line += word;
        empty_line = false;
    }
    return out + line;
}

std::string Style::paint(std::string_view text, Color c) const {
    if (!color || c == Color::None) return std::string(text);
    static constexpr const char* codes[] = {"", "31", "32", "33", "34", "35", "36", "1", "2", "4", "1;4"};
    return "\x1b[" + std::string(codes[static_cast<int>(c)]) + "m" + std::string(text) + "\x1b[0m";
}

Color Style::level_color(unsigned level) {
    static constexpr Color by_level[] = {Color::Magenta, Color::Blue, Color::Cyan, Color::Green, Color::Yellow};
    return by_level[level % 5];
}

Style terminal_style(std::string_view mode) {
    Style s;
    std::setlocale(LC_CTYPE, "");
    const char* codeset = nl_langinfo(CODESET);
    s.utf8 = codeset && (std::strcmp(codeset, "UTF-8") == 0 || std::strcmp(codeset, "utf8") == 0);
    const char* no_color = std::getenv("NO_COLOR");
    if (mode == "always") s.color = true;
    else if (mode == "never") s.color = false;
    else s.color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
    return s;
}

namespace {
Style current;
}
const Style& style() { return current; }
void set_style(const Style& s) { current = s; }

}  // namespace vmtour
