#include "markdown_html.hpp"

#include "svg_doc.hpp"

#include <sstream>
#include <vector>

namespace vmtour {

// HTML text and attributes escape as SVG's XML does.
std::string html_escape(std::string_view s) { return svg::escape(s); }

namespace {

bool starts(std::string_view line, std::string_view p) { return line.substr(0, p.size()) == p; }

// A command is marked when it is vmsim's own (the page runs nothing else), without a '#' comment.
std::string code_html(std::string_view code) {
    std::string_view cmd = code;
    if (const auto hash = cmd.find(" #"); hash != std::string_view::npos) cmd = cmd.substr(0, hash);
    while (!cmd.empty() && cmd.back() == ' ') cmd.remove_suffix(1);
    if (!starts(cmd, "vmsim ")) return "<code>" + html_escape(code) + "</code>";
    return "<code class=\"cmd\" data-cmd=\"" + html_escape(cmd) + "\">" + html_escape(code) + "</code>";
}

// **bold**, *emphasis*, `code` and [text](link) inside one line; links keep their text and show
// their target (a lesson's file, which the page does not serve) as a tooltip.
std::string inline_html(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == '`') {
            if (const auto end = s.find('`', i + 1); end != std::string_view::npos) {
                out += code_html(s.substr(i + 1, end - i - 1));
                i = end + 1;
                continue;
            }
        }
        if (s.substr(i, 2) == "**") {
            if (const auto end = s.find("**", i + 2); end != std::string_view::npos) {
                out += "<strong>" + inline_html(s.substr(i + 2, end - i - 2)) + "</strong>";
                i = end + 2;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < s.size() && s[i + 1] != ' ') {
            if (const auto end = s.find('*', i + 1); end != std::string_view::npos && end > i + 1) {
                out += "<em>" + html_escape(s.substr(i + 1, end - i - 1)) + "</em>";
                i = end + 1;
                continue;
            }
        }
        if (s[i] == '[') {
            const auto close = s.find("](", i);
            const auto paren = close == std::string_view::npos ? close : s.find(')', close);
            if (paren != std::string_view::npos) {
                const std::string_view text = s.substr(i + 1, close - i - 1), target = s.substr(close + 2, paren - close - 2);
                out += "<span class=\"link\" title=\"" + html_escape(target) + "\">" + html_escape(text) + "</span>";
                i = paren + 1;
                continue;
            }
        }
        out += html_escape(s.substr(i, 1));
        ++i;
    }
    return out;
}

// A list item's marker ("- ", "* ", "1. "), or 0.
std::size_t list_marker(std::string_view line) {
    if (starts(line, "- ") || starts(line, "* ")) return 2;
    std::size_t d = 0;
    while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
    return d > 0 && starts(line.substr(d), ". ") ? d + 2 : 0;
}

// "| a | b |" -> its cells; a separator row ("|---|") has only dashes and colons.
std::vector<std::string_view> cells(std::string_view row) {
    std::vector<std::string_view> out;
    row.remove_prefix(1);
    if (!row.empty() && row.back() == '|') row.remove_suffix(1);
    for (std::size_t pos = 0;;) {
        const auto bar = row.find('|', pos);
        std::string_view c = row.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos);
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        while (!c.empty() && c.back() == ' ') c.remove_suffix(1);
        out.push_back(c);
        if (bar == std::string_view::npos) return out;
        pos = bar + 1;
    }
}

bool separator_row(std::string_view row) { return row.find_first_not_of("|-: ") == std::string_view::npos; }

std::string table_html(const std::vector<std::string>& rows) {
    std::string out = "<table>\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (separator_row(rows[r])) continue;
        const char* tag = r == 0 ? "th" : "td";
        out += "<tr>";
        for (const auto c : cells(rows[r])) out += std::string("<") + tag + ">" + inline_html(c) + "</" + tag + ">";
        out += "</tr>\n";
    }
    return out + "</table>\n";
}

std::string pre_line_html(const std::string& line) {
    if (!starts(line, "$ vmsim ")) return html_escape(line);
    return "$ " + code_html(std::string_view(line).substr(2));
}

}  // namespace

std::string render_markdown_html(std::string_view md) {
    std::vector<std::string> lines;
    std::istringstream in{std::string(md)};
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::string out;
    std::string para;       // the paragraph or list item being gathered
    std::string list;       // "ul" or "ol" while inside a list
    auto flush = [&] {
        if (para.empty()) return;
        out += list.empty() ? "<p>" + inline_html(para) + "</p>\n" : "<li>" + inline_html(para) + "</li>\n";
        para.clear();
    };
    auto end_list = [&] {
        flush();
        if (!list.empty()) out += "</" + list + ">\n";
        list.clear();
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (starts(line, "```")) {
            end_list();
            out += "<pre>";
            for (++i; i < lines.size() && !starts(lines[i], "```"); ++i) out += pre_line_html(lines[i]) + "\n";
            out += "</pre>\n";
            continue;
        }
        if (line.find_first_not_of(' ') == std::string::npos) {
            end_list();
            continue;
        }
        if (starts(line, "#")) {
            end_list();
            const std::size_t hashes = std::min<std::size_t>(line.find_first_not_of('#'), 6);
            const std::string h = "h" + std::to_string(hashes);
            out += "<" + h + ">" + inline_html(line.substr(std::min(line.size(), hashes + 1))) + "</" + h + ">\n";
            continue;
        }
        if (starts(line, "|")) {
            end_list();
            std::vector<std::string> rows;
            for (; i < lines.size() && starts(lines[i], "|"); ++i) rows.push_back(lines[i]);
            --i;
            out += table_html(rows);
            continue;
        }
        const std::size_t lead = line.find_first_not_of(' ');
        const std::string_view body = std::string_view(line).substr(lead);
        if (const std::size_t m = list_marker(body)) {
            flush();
            const std::string kind = m == 2 ? "ul" : "ol";
            if (list != kind) {
                end_list();
                out += "<" + kind + ">\n";
                list = kind;
            }
            para = std::string(body.substr(m));
            continue;
        }
        if (!para.empty()) para += " ";
        para += std::string(body);
    }
    end_list();
    return out;
}

}  // namespace vmtour
