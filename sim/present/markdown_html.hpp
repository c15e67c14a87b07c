// Lesson Markdown for a web page: the same subset as markdown.hpp's terminal rendering (headings,
// **bold**, *emphasis*, `code`, [text](link), fenced code, lists, pipe tables, paragraphs), as
// HTML with every piece of text escaped. A vmsim command a reader can run, `vmsim ...` in code or
// a "$ vmsim ..." line in a code block, is marked <code class="cmd" data-cmd="vmsim ..."> so the
// page can put a run button beside it.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

std::string render_markdown_html(std::string_view md);
// "&", "<", ">" and '"' escaped: safe inside an element and inside a double-quoted attribute.
std::string html_escape(std::string_view s);

}  // namespace vmtour
