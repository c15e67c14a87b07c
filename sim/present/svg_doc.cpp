#include "svg_doc.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmtour::svg {

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

namespace {

// Patterns are drawn in black at low opacity over the colour: in colour they are a light texture,
// in black and white they are what tells the levels apart.
constexpr std::string_view DEFS = R"svg(<defs>
<pattern id="p-diag" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#000" stroke-width="2" stroke-opacity="0.35"/></pattern>
<pattern id="p-horiz" width="8" height="8" patternUnits="userSpaceOnUse"><line x1="0" y1="4" x2="8" y2="4" stroke="#000" stroke-width="1.5" stroke-opacity="0.35"/></pattern>
<pattern id="p-vert" width="8" height="8" patternUnits="userSpaceOnUse"><line x1="4" y1="0" x2="4" y2="8" stroke="#000" stroke-width="1.5" stroke-opacity="0.35"/></pattern>
<pattern id="p-cross" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><path d="M5 0V10M0 5H10" stroke="#000" stroke-width="1.2" stroke-opacity="0.35"/></pattern>
<pattern id="p-dots" width="8" height="8" patternUnits="userSpaceOnUse"><circle cx="4" cy="4" r="1.6" fill="#000" fill-opacity="0.4"/></pattern>
<pattern id="p-fault" width="12" height="12" patternUnits="userSpaceOnUse"><path d="M0 0L12 12M12 0L0 12" stroke="#000" stroke-width="1.5" stroke-opacity="0.5"/></pattern>
<pattern id="p-table" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5" stroke-opacity="0.45"/></pattern>
<marker id="arrow-dark" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#222"/></marker>
</defs>
)svg";

std::string num(double v) { return fmt::format("{:g}", v); }

std::string style_attrs(const Style& s) {
    std::string out = fmt::format(R"(fill="{}" stroke="{}" stroke-width="{}")", s.fill, s.stroke, num(s.stroke_width));
    if (!s.extra.empty()) out += " " + s.extra;
    return out;
}

}  // namespace

Doc::Doc(int width, int height, std::string_view title) : width_(width), height_(height), title_(title) {}

void Doc::rect(double x, double y, double w, double h, const Style& s, double radius) {
    body_ += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}"{} {}/>)", num(x), num(y), num(w), num(h),
                         radius > 0 ? fmt::format(R"( rx="{}")", num(radius)) : "", style_attrs(s));
    body_ += '\n';
}

void Doc::patterned(double x, double y, double w, double h, std::string_view colour, std::string_view pattern,
                    const Style& outline) {
    rect(x, y, w, h, Style{std::string(colour), "none", 0, R"(fill-opacity="0.55")"});
    rect(x, y, w, h, Style{fmt::format("url(#{})", pattern), "none", 0, ""});
    Style o = outline;
    o.fill = "none";
    rect(x, y, w, h, o);
}

void Doc::text(double x, double y, std::string_view s, double size, std::string_view anchor, std::string_view extra) {
    body_ += fmt::format(R"(<text x="{}" y="{}" font-size="{}" text-anchor="{}"{}{}>{}</text>)", num(x), num(y),
                         num(size), anchor, extra.empty() ? "" : " ", extra, escape(s));
    body_ += '\n';
}

void Doc::mono(double x, double y, std::string_view s, double size, std::string_view anchor, std::string_view extra) {
    std::string attrs = R"(font-family="DejaVu Sans Mono, Menlo, Consolas, monospace")";
    if (!extra.empty()) attrs += fmt::format(" {}", extra);
    text(x, y, s, size, anchor, attrs);
}

void Doc::line(double x1, double y1, double x2, double y2, const Style& s) {
    body_ += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" {}/>)", num(x1), num(y1), num(x2), num(y2),
                         style_attrs(s));
    body_ += '\n';
}

void Doc::arrow(double x1, double y1, double x2, double y2, const Style& s) {
    Style a = s;
    a.extra += (a.extra.empty() ? "" : " ") + std::string(R"x(marker-end="url(#arrow-dark)")x");
    line(x1, y1, x2, y2, a);
}

void Doc::open(std::string_view attributes) { body_ += fmt::format("<g {}>\n", attributes); }
void Doc::close() { body_ += "</g>\n"; }

std::string Doc::finish() const {
    std::string out = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
        "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" fill=\"#111\">\n<title>{2}</title>\n",
        width_, height_, escape(title_));
    out += DEFS;
    out += fmt::format(R"(<rect x="0" y="0" width="{}" height="{}" fill="#fff"/>)", width_, height_);
    out += '\n';
    out += body_;
    out += "</svg>\n";
    return out;
}

std::string check_writable(const std::string& path) {
    if (path.empty()) return "an empty name is not a file";
    if (path == "-") return "give a file name ('-' would be stdout, which has the text)";
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return fmt::format("{} is a folder, not a file", path);
        // A device would be replaced by write_file_atomic's rename (as root, /dev/null).
        if (!S_ISREG(st.st_mode)) return fmt::format("{} is not a regular file (the picture is renamed over it)", path);
    }
    // Make the temporary file write_file_atomic will make, now, so a folder that refuses it
    // (missing, read-only, /proc) fails before the work; one that was there already is kept.
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    const bool made = fd >= 0;
    if (!made && errno == EEXIST) fd = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    ::close(fd);
    if (made) ::unlink(tmp.c_str());
    return {};
}

std::string write_file_atomic(const std::string& path, std::string_view data) {
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return fmt::format("{}: cannot write: {}", path, std::strerror(errno));
    const bool wrote = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    const bool closed = std::fclose(f) == 0;
    if (!wrote || !closed) {
        std::remove(tmp.c_str());
        return fmt::format("{}: cannot write: {}", path, std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        return fmt::format("{}: cannot write: {}", path, why);
    }
    return {};
}

}  // namespace vmtour::svg
