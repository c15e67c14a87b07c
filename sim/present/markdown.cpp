#include "markdown.hpp"

#include <sstream>
#include <vector>

namespace vmtour {

namespace {

// `line` as it is when it fits `width`, else wrapped at spaces, the lines after the first indented.
std::vector<std::string> wrapped_lines(const std::string& line, std::size_t width, std::string_view indent) {
    if (display_width(line) <= width) return {line};
    std::vector<std::string> out;
    std::istringstream in(wrap(line, width, indent));
    for (std::string piece; std::getline(in, piece);) out.push_back(piece);
    return out;
}

// **bold**, *emphasis*, `code` and [text](link) inside one line.
std::string inline_spans(std::string_view s, const Style& st) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == '`') {
            const auto end = s.find('`', i + 1);
            if (end != std::string_view::npos) {
                const std::string code(s.substr(i + 1, end - i - 1));
                out += st.color ? st.paint(code, Color::Cyan) : "`" + code + "`";
                i = end + 1;
                continue;
            }
        }
        if (s.substr(i, 2) == "**") {
            const auto end = s.find("**", i + 2);
            if (end != std::string_view::npos) {
                out += st.paint(inline_spans(s.substr(i + 2, end - i - 2), st), Color::Bold);
                i = end + 2;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < s.size() && s[i + 1] != ' ') {
            const auto end = s.find('*', i + 1);
            if (end != std::string_view::npos && end > i + 1) {
                out += st.paint(s.substr(i + 1, end - i - 1), Color::Underline);
                i = end + 1;
                continue;
            }
        }
        if (s[i] == '[') {  // [text](target): the text, and the target after it in brackets
            const auto close = s.find("](", i);
            const auto paren = close == std::string_view::npos ? close : s.find(')', close);
            if (paren != std::string_view::npos) {
                const std::string_view text = s.substr(i + 1, close - i - 1), target = s.substr(close + 2, paren - close - 2);
                out += std::string(text) + (text == target ? "" : " (" + std::string(target) + ")");
                i = paren + 1;
                continue;
            }
        }
        out += s[i++];
    }
    return out;
}

bool starts(std::string_view line, std::string_view p) { return line.substr(0, p.size()) == p; }

// A list item's marker ("- ", "* ", "1. "), or 0.
std::size_t list_marker(std::string_view line) {
    if (starts(line, "- ") || starts(line, "* ")) return 2;
    std::size_t d = 0;
    while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
    return d > 0 && starts(line.substr(d), ". ") ? d + 2 : 0;
}

}  // namespace

std::string render_markdown(std::string_view md, const Style& st) {
    std::vector<std::string> lines;
    std::istringstream in{std::string(md)};
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::string out;
    std::string para;        // the paragraph being gathered
    std::string para_first;  // its first-line prefix (list marker) and the indent after it
    std::string para_rest;
    auto flush = [&] {
        if (para.empty()) return;
        out += wrap(para_first + inline_spans(para, st), TEXT_WIDTH, para_rest) + "\n";
        para.clear();
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (starts(line, "```")) {  // a code block: as written, indented by four
            flush();
            // A line too wide for the terminal goes on, indented by four more, on the next
            // (lessons write their commands to fit; this is for a wide output they quote).
            for (++i; i < lines.size() && !starts(lines[i], "```"); ++i) {
                if (lines[i].empty()) {
                    out += "\n";
                    continue;
                }
                for (const std::string& piece : wrapped_lines(lines[i], TEXT_WIDTH - 4, "    "))
                    out += "    " + st.paint(piece, Color::Dim) + "\n";
            }
            continue;
        }
        if (line.empty()) {
            flush();
            out += "\n";
            continue;
        }
        if (starts(line, "#")) {
            flush();
            const std::size_t hashes = line.find_first_not_of('#');
            const std::string title = inline_spans(line.substr(std::min(line.size(), hashes + 1)), st);
            if (st.color) out += st.paint(title, hashes == 1 ? Color::BoldUnderline : Color::Bold) + "\n";
            else out += title + "\n" + std::string(display_width(title), hashes == 1 ? '=' : '-') + "\n";
            continue;
        }
        if (starts(line, "|")) {  // a table: as written, a row too wide wrapped under itself
            flush();
            const std::string row = inline_spans(line, st);
            out += (display_width(row) > TEXT_WIDTH ? wrap(row, TEXT_WIDTH, "    ") : row) + "\n";
            continue;
        }
        const std::size_t lead = line.find_first_not_of(' ');
        const std::string_view body = std::string_view(line).substr(lead);
        if (const std::size_t m = list_marker(body)) {
            flush();
            const std::string indent(lead, ' ');
            const std::string marker(body.substr(0, m));
            para_first = indent + (m == 2 ? std::string(st.utf8 ? "\u2022 " : "- ") : marker);
            para_rest = indent + std::string(m, ' ');
            para = std::string(body.substr(m));
            continue;
        }
        if (para.empty()) {
            para_first = std::string(lead, ' ');
            para_rest = para_first;
            para = std::string(body);
        } else {
            para += " " + std::string(body);
        }
    }
    flush();
    return out;
}

}  // namespace vmtour
