// Lesson Markdown for a terminal: headings, **bold**, *emphasis*, `code`, fenced code blocks
// (indented), lists and paragraphs reflowed to 80 columns. With colour, the markers become
// bold/underline/colour; without it they are dropped (code keeps its backticks), so the text
// reads cleanly in a pipe as well. Tables and code are kept as written, but a line wider than
// 80 columns is wrapped at its spaces.
#pragma once

#include "text.hpp"

#include <string>
#include <string_view>

namespace vmtour {

std::string render_markdown(std::string_view md, const Style& style);

}  // namespace vmtour
