// The walk diagram. Layout, left to right as the CPU goes: the address across the top, then CR3,
// one column per table the walk read, and the page frame (or the fault). Each level has one
// colour and one pattern, shared by its bit field and its selected entry, and a dashed arrow
// joins the two: "these bits pick this entry".
#include "svg.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "parse.hpp"
#include "render.hpp"
#include "svg_doc.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace vmtour {

namespace {

using svg::Doc;
using svg::Style;

constexpr int WIDTH = 1280, HEIGHT = 720;
constexpr double X0 = 40, SPAN = 1200;            // drawing area across
constexpr double BAR_Y = 96, BAR_H = 76;          // the address
constexpr double HEAD_Y = 262, BOX_Y = 276, BOX_H = 270;  // table columns
constexpr double ROW_H = 60;                      // the selected entry in a box

// Where each step stands relative to the focus: drawn plainly, outlined, or faded.
enum class Shown { Plain, Current, Faded };
Shown shown(int focus, int index) {
    if (focus < 0) return Shown::Plain;
    return index < focus ? Shown::Plain : index == focus ? Shown::Current : Shown::Faded;
}
std::string group_attrs(std::string_view id, Shown s) {
    return fmt::format(R"(id="{}"{})", id, s == Shown::Faded ? R"( opacity="0.18")" : "");
}
double outline_width(Shown s) { return s == Shown::Current ? 4 : 1.5; }

// Splits text into lines of at most `chars` characters at spaces.
std::vector<std::string> wrap(std::string_view text, std::size_t chars) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t sp = text.find(' ', pos);
        if (sp == std::string_view::npos) sp = text.size();
        const std::string_view word = text.substr(pos, sp - pos);
        if (!line.empty() && line.size() + 1 + word.size() > chars) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + std::string(word);
        pos = sp + 1;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

std::string error_code_names(std::uint32_t code) {
    static constexpr struct { std::uint32_t bit; const char* name; } names[] = {
        {pf::P, "P"}, {pf::WR, "W/R"}, {pf::US, "U/S"}, {pf::RSVD, "RSVD"}, {pf::ID, "I/D"}};
    std::string out;
    for (auto [b, n] : names)
        if (code & b) out += fmt::format("{}{}", out.empty() ? "" : " ", n);
    return out.empty() ? "none set" : out;
}

struct FieldBox {
    double x, w;
};

class WalkPicture {
public:
    WalkPicture(const Machine& m, const Walk& w, int focus)
        : m_(m), w_(w), mode_(*m.mode), focus_(focus),
          doc_(WIDTH, HEIGHT, fmt::format("page walk of {:#x} ({})", w.va, m.mode->title)) {}

    std::string draw() {
        heading();
        address();
        if (!w_.ok && w_.fault.general_protection) {
            general_protection();
            return doc_.finish();
        }
        columns_ = w_.step_count + 2;
        col_w_ = SPAN / columns_;
        box_w_ = std::min(col_w_ - 28, 220.0);
        cr3();
        for (unsigned i = 0; i < w_.step_count; ++i) table(i);
        if (w_.ok) frame();
        else fault();
        return doc_.finish();
    }

private:
    double col_x(unsigned col) const { return X0 + col * col_w_ + (col_w_ - box_w_) / 2; }
    // The selected row's top inside a box: placed by the index, so entry 891 of 1024 sits low.
    double row_y(std::uint64_t index, std::uint64_t count) const {
        const double frac = count > 1 ? static_cast<double>(index) / static_cast<double>(count - 1) : 0.5;
        return BOX_Y + 26 + frac * (BOX_H - 52 - ROW_H);
    }

    void heading() {
        const std::string who = w_.access.user ? "user-mode" : "supervisor-mode";
        doc_.text(X0, 34, fmt::format("{} {} of {:#x}", who, access_name(w_.access.type), w_.va), 24, "start",
                  R"(font-weight="bold")");
        doc_.text(X0, 58, fmt::format("{} on the {}", mode_.title, m_.name), 15);
    }

    // The address as its fields, as the walk used them: with a large page the lower levels'
    // index bits are part of the offset (SDM 4.3, 4.4.2, 4.5.4: a PS=1 entry maps bits
    // shift-1..0 of the address straight into the page), so they are drawn as one offset field.
    std::vector<AddressField> fields() const {
        std::vector<AddressField> all = split_address(mode_, w_.va);
        if (w_.step_count == 0) return all;
        const Step& last = w_.steps[w_.step_count - 1];
        if (last.kind != StepKind::Leaf || last.level + 1 >= mode_.level_count) return all;
        const unsigned bits = mode_.level[last.level].shift;
        std::vector<AddressField> out;
        for (const AddressField& f : all)
            if (f.lo >= bits) out.push_back(f);
        out.push_back({"offset", bits - 1, 0, w_.va & ((std::uint64_t{1} << bits) - 1)});
        return out;
    }

    // The address as its fields, each as wide as its bits; bit numbers above the edges.
    void address() {
        const unsigned top = mode_.canonical ? 63 : mode_.va_bits - 1;
        const double per_bit = SPAN / (top + 1);
        for (const AddressField& f : fields()) {
            const double x = X0 + (top - f.hi) * per_bit, wdt = (f.hi - f.lo + 1) * per_bit;
            const int level = level_of(f);
            const bool sign = f.name == "sign extension";
            const bool gp = sign && !w_.ok && w_.fault.general_protection;
            const Shown s = level >= 0 ? shown(focus_, level) : Shown::Plain;
            doc_.open(group_attrs(fmt::format("field-{}", level >= 0 ? std::to_string(level) : sign ? "sign" : "offset"),
                                  s == Shown::Faded ? Shown::Plain : s));
            const Style outline{"none", "#222", outline_width(s), ""};
            if (gp) doc_.patterned(x, BAR_Y, wdt, BAR_H, svg::FAULT_COLOUR, "p-fault", outline);
            else if (sign) doc_.rect(x, BAR_Y, wdt, BAR_H, Style{"#ddd", "#222", 1.5, ""});
            else if (level >= 0)
                doc_.patterned(x, BAR_Y, wdt, BAR_H, svg::LEVEL_COLOURS[level], svg::LEVEL_PATTERNS[level], outline);
            else doc_.rect(x, BAR_Y, wdt, BAR_H, Style{std::string(svg::OFFSET_COLOUR), "#222", outline_width(s), ""});
            doc_.mono(x + 2, BAR_Y - 6, std::to_string(f.hi), 11);
            if (f.hi != f.lo) doc_.mono(x + wdt - 2, BAR_Y - 6, std::to_string(f.lo), 11, "end");
            const double cx = x + wdt / 2;
            // Narrow fields (PAE's 2-bit PDPT index) get smaller type rather than spill over.
            auto fit = [&](std::size_t chars, double size) { return std::min(size, (wdt - 4) / (chars * 0.62)); };
            doc_.text(cx, BAR_Y + 20, f.name, fit(f.name.size(), 13), "middle", R"(font-weight="bold")");
            const unsigned width = f.hi - f.lo + 1;
            std::string binary;
            for (unsigned i = width; i-- > 0;) binary += ((f.value >> i) & 1) ? '1' : '0';
            if (width <= 12 && binary.size() * 8.4 < wdt) doc_.mono(cx, BAR_Y + 44, binary, 14, "middle");
            const std::string value = level >= 0 ? fmt::format("{} ({:#x})", f.value, f.value) : hex(f.value);
            doc_.mono(cx, BAR_Y + 66, value, fit(value.size(), 14), "middle");
            doc_.close();
            if (level >= 0) field_[level] = {x, wdt};
            else if (!sign) offset_ = {x, wdt};
        }
        doc_.mono(X0 + SPAN, 58, fmt::format("virtual address {:#x}", w_.va), 14, "end");
    }

    int level_of(const AddressField& f) const {
        for (unsigned i = 0; i < mode_.level_count; ++i)
            if (f.lo == mode_.level[i].shift && f.name != "offset" && f.name != "sign extension") return static_cast<int>(i);
        return -1;
    }

    void cr3() {
        const double x = col_x(0), y = BOX_Y + 90;
        doc_.rect(x, y, box_w_, 64, Style{"#eee", "#222", 2, ""}, 6);
        doc_.text(x + box_w_ / 2, y + 24, "CR3", 16, "middle", R"(font-weight="bold")");
        doc_.mono(x + box_w_ / 2, y + 48, hex(m_.ctl.cr3), 14, "middle");
        doc_.arrow(x + box_w_, y + 32, col_x(1) - 4, BOX_Y + 2, Style{"none", "#222", 2, ""});
    }

    // One table the walk read, its selected entry, and the arrow to what the entry points at.
    void table(unsigned i) {
        const Step& s = w_.steps[i];
        const LevelDesc& d = mode_.level[s.level];
        const Shown sh = shown(focus_, static_cast<int>(i));
        const double x = col_x(i + 1), cx = x + box_w_ / 2;
        const bool bad = s.kind == StepKind::NotPresent || s.kind == StepKind::Reserved;
        doc_.open(group_attrs(fmt::format("step-{}", i), sh));
        doc_.text(cx, HEAD_Y - 20, fmt::format("{} ({})", d.table, d.entry), 15, "middle", R"(font-weight="bold")");
        doc_.mono(cx, HEAD_Y - 3, fmt::format("at {:#x}", s.table), 12, "middle");
        doc_.rect(x, BOX_Y, box_w_, BOX_H, Style{"#fafafa", "#222", outline_width(sh), ""}, 4);
        const std::uint64_t entries = d.entries();
        doc_.mono(x + 6, BOX_Y + 16, "0", 11, "start", R"(fill="#666")");
        doc_.mono(x + 6, BOX_Y + BOX_H - 8, std::to_string(entries - 1), 11, "start", R"(fill="#666")");
        const double ry = row_y(s.index, entries);
        const Style row_outline{"none", "#222", outline_width(sh) + 0.5, ""};
        if (bad) doc_.patterned(x, ry, box_w_, ROW_H, svg::FAULT_COLOUR, "p-fault", row_outline);
        else doc_.patterned(x, ry, box_w_, ROW_H, svg::LEVEL_COLOURS[s.level], svg::LEVEL_PATTERNS[s.level], row_outline);
        doc_.text(cx, ry + 16, fmt::format("{} {}", d.entry, s.index), 13, "middle", R"(font-weight="bold")");
        doc_.mono(cx, ry + 34, fmt::format("{:#0{}x}", s.raw, mode_.entry_size * 2 + 2), 12, "middle");
        const bool last = s.level + 1 == mode_.level_count;
        const std::string flags = flag_labels(s.raw, !last, s.kind == StepKind::Leaf && !last, mode_.has_xd);
        doc_.text(cx, ry + 52, flags.empty() ? "no flags (P=0)" : flags, 11, "middle");
        doc_.mono(cx, BOX_Y + BOX_H + 18, fmt::format("entry at {:#x}", s.entry_addr), 11, "middle");
        doc_.text(cx, BOX_Y + BOX_H + 36, what(s), 12, "middle");
        // The index bits select the entry.
        if (auto it = field_.find(s.level); it != field_.end())
            doc_.arrow(it->second.x + it->second.w / 2, BAR_Y + BAR_H, cx, ry - 2,
                       Style{"none", std::string(svg::LEVEL_COLOURS[s.level]), 2.5, R"(stroke-dasharray="7 4")"});
        // The entry points at the next table or the frame (whose box starts at that address).
        if (s.kind == StepKind::Table || s.kind == StepKind::Leaf)
            doc_.arrow(x + box_w_, ry + ROW_H / 2, col_x(i + 2) - 4, BOX_Y + 2, Style{"none", "#222", 2, ""});
        doc_.close();
    }

    std::string what(const Step& s) const {
        switch (s.kind) {
        case StepKind::Table: return fmt::format("-> {} at {:#x}", mode_.level[s.level + 1].table, s.next);
        case StepKind::Leaf: return fmt::format("-> {} page", format_size(mode_.level[s.level].entry_span()));
        case StepKind::NotPresent: return "P=0: not present";
        case StepKind::Reserved: return fmt::format("reserved bits {:#x}", s.reserved);
        }
        return {};
    }

    void frame() {
        const Translation& t = w_.translation;
        const Shown sh = shown(focus_, static_cast<int>(w_.step_count));
        const double x = col_x(w_.step_count + 1), cx = x + box_w_ / 2;
        const std::uint64_t offset = w_.va & (t.page_size - 1);
        doc_.open(group_attrs("result", sh));
        doc_.text(cx, HEAD_Y - 20, fmt::format("{} page frame", format_size(t.page_size)), 15, "middle",
                  R"(font-weight="bold")");
        doc_.mono(cx, HEAD_Y - 3, fmt::format("at {:#x}", t.pa - offset), 12, "middle");
        doc_.rect(x, BOX_Y, box_w_, BOX_H, Style{"#fafafa", "#222", outline_width(sh), ""}, 4);
        const double ry = row_y(offset, t.page_size);
        doc_.rect(x, ry, box_w_, ROW_H, Style{std::string(svg::OFFSET_COLOUR), "#222", outline_width(sh) + 0.5, ""});
        doc_.mono(cx, ry + 22, fmt::format("+ {:#x}", offset), 13, "middle");
        doc_.mono(cx, ry + 44, hex(t.pa), 14, "middle", R"(font-weight="bold")");
        // The offset (in a large page, with the lower levels' index bits) goes straight to the frame.
        doc_.arrow(offset_.x + offset_.w / 2, BAR_Y + BAR_H, cx, ry - 2,
                   Style{"none", "#222", 2.5, R"(stroke-dasharray="7 4")"});
        doc_.text(X0, 640, fmt::format("physical address = {:#x} + {:#x} = {:#x}", t.pa - offset, offset, t.pa), 24,
                  "start", R"(font-weight="bold")");
        std::string note = fmt::format("{} page; {}, {}, {}", format_size(t.page_size),
                                       t.perms.user ? "user" : "supervisor only",
                                       t.perms.writable ? "writable" : "read-only",
                                       t.perms.executable ? "executable" : "no-execute");
        if (t.page_size > bits::PAGE_SIZE)
            note += fmt::format(" (a large page: the offset is bits {}..0)", mode_.level[t.leaf_level].shift - 1);
        doc_.text(X0, 668, note, 16);
        doc_.close();
    }

    // The fault box takes the columns after the step that failed, where a leaf's arrow lands.
    void fault() {
        const int at = w_.fault.level >= 0 ? w_.fault.level : static_cast<int>(w_.step_count) - 1;
        const double x = col_x(static_cast<unsigned>(at) + 2);
        const Shown sh = shown(focus_, static_cast<int>(w_.step_count));
        doc_.open(group_attrs("result", sh));
        fault_box(x, BOX_Y, WIDTH - 12 - x, describe(w_.fault, w_, mode_), true);
        const Step& s = w_.steps[static_cast<unsigned>(at)];
        if (s.kind != StepKind::Leaf) {  // a leaf already has its arrow to this column
            const double ry = row_y(s.index, mode_.level[s.level].entries());
            doc_.arrow(col_x(static_cast<unsigned>(at) + 1) + box_w_, ry + ROW_H / 2, x - 4, BOX_Y + 40,
                       Style{"none", "#900", 2.5, ""});
        }
        doc_.close();
    }

    void fault_box(double x, double y, double wdt, const std::string& reason, bool page_fault) {
        const double size = wdt < 330 ? 13 : 15, line_h = size * 1.45;
        auto lines = wrap(reason, static_cast<std::size_t>((wdt - 28) / (size * 0.56)));
        std::vector<std::string> code;
        if (page_fault)
            code = {fmt::format("error code {:#x}", w_.fault.error_code),
                    fmt::format("[{}]", error_code_names(w_.fault.error_code)), fmt::format("CR2 = {:#x}", w_.va)};
        else code = {"no walk, no error code;", "CR2 unchanged"};
        const double h = 70 + line_h * (lines.size() + code.size());
        doc_.patterned(x, y, wdt, h, svg::FAULT_COLOUR, "p-fault", Style{"none", "#900", 3, ""});
        doc_.rect(x + 8, y + 8, wdt - 16, h - 16, Style{"#fff", "none", 0, R"(fill-opacity="0.88")"}, 4);
        doc_.text(x + 16, y + 36, page_fault ? "#PF page fault" : "#GP general protection", size + 7, "start",
                  R"(font-weight="bold" fill="#900")");
        double ty = y + 40 + line_h;
        for (const auto& l : lines) {
            doc_.text(x + 16, ty, l, size);
            ty += line_h;
        }
        for (const auto& l : code) {
            doc_.mono(x + 16, ty + 4, l, size - 1);
            ty += line_h;
        }
    }

    void general_protection() {
        fault_box(X0 + 200, BOX_Y, SPAN - 400, describe(w_.fault, w_, mode_), false);
    }

    const Machine& m_;
    const Walk& w_;
    const PagingMode& mode_;
    int focus_;
    Doc doc_;
    unsigned columns_ = 0;
    double col_w_ = 0, box_w_ = 0;
    std::map<unsigned, FieldBox> field_;
    FieldBox offset_{};
};

}  // namespace

std::string svg_walk(const Machine& m, const Walk& w, int focus) { return WalkPicture(m, w, focus).draw(); }

}  // namespace vmtour
