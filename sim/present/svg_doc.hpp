// A small SVG writer for the pictures in svg.hpp: shapes, real <text> (selectable, searchable),
// and fill patterns so that a picture printed in black and white still tells its parts apart.
#pragma once

#include <string>
#include <string_view>

namespace vmtour::svg {

std::string escape(std::string_view text);

// Fill patterns defined in every document, referenced as url(#name). One per walk level (so a
// level's bit field and its table entry share a pattern as well as a colour), one for tables
// in the memory map, one for faults.
inline constexpr std::string_view LEVEL_PATTERNS[] = {"p-diag", "p-horiz", "p-vert", "p-cross", "p-dots"};
inline constexpr std::string_view LEVEL_COLOURS[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f"};
inline constexpr std::string_view OFFSET_COLOUR = "#76b7b2";
inline constexpr std::string_view FAULT_COLOUR = "#e15759";

struct Style {
    std::string fill = "none";
    std::string stroke = "#222";
    double stroke_width = 1;
    std::string extra;  // further attributes, written as given
};

class Doc {
public:
    // A picture of width x height user units (the viewBox; 1280x720 fits a 16:9 slide).
    Doc(int width, int height, std::string_view title);

    void rect(double x, double y, double w, double h, const Style& s, double radius = 0);
    // A rectangle filled with a colour and, over it, a level's pattern (for black and white).
    void patterned(double x, double y, double w, double h, std::string_view colour, std::string_view pattern,
                   const Style& outline);
    void text(double x, double y, std::string_view s, double size, std::string_view anchor = "start",
              std::string_view extra = "");
    void mono(double x, double y, std::string_view s, double size, std::string_view anchor = "start",
              std::string_view extra = "");
    void line(double x1, double y1, double x2, double y2, const Style& s);
    void arrow(double x1, double y1, double x2, double y2, const Style& s);
    // Groups: everything between open and close shares the attributes (id, opacity, ...).
    void open(std::string_view attributes);
    void close();
    void raw(std::string_view markup) { body_ += markup; }

    std::string finish() const;

private:
    int width_, height_;
    std::string title_;
    std::string body_;
};

// Empty, or why a picture cannot be written to PATH, in words that name PATH where it matters:
// an empty name, '-' (stdout has the text), a folder, something other than a regular file, a
// folder where PATH.tmp (write_file_atomic's temporary file) cannot be made. Asked before the
// work, so a long replay or measurement is not lost to a typo at its end (write_file_atomic can
// still fail: a full disk). Leaves no file behind, and keeps a PATH.tmp that was there.
std::string check_writable(const std::string& path);

// Writes DATA to PATH through a temporary file in the same folder and a rename, so a reader
// never sees half a picture. Returns an empty string or "PATH: reason".
std::string write_file_atomic(const std::string& path, std::string_view data);

}  // namespace vmtour::svg
