#include "quiz_text.hpp"

#include "quiz_grade.hpp"
#include "render.hpp"
#include "text.hpp"

#include <fmt/format.h>

#include <sstream>

namespace vmtour {

namespace {

// OSTEP's paging homework shows memory, not entries: each table page as rows of 16 bytes read as
// entries (values, not bytes; all-zero rows as '*'), so the learner finds every entry by its
// physical address. The pages are the machine file's `table` lines; a PAE PDPT is 32 bytes.
std::string hex_dump(const Machine& m, const std::string& dump) {
    std::string out, line;
    std::istringstream in(dump);
    const unsigned size = m.mode->entry_size;
    while (std::getline(in, line)) {
        if (line.rfind("table 0x", 0) != 0) continue;
        const std::uint64_t base = std::stoull(line.substr(6), nullptr, 16);
        const std::size_t hash = line.find('#');
        const bool pdpt = m.mode->level[0].pdpte_pae && line.find("PDPT") != std::string::npos;
        out += fmt::format("page {:#x}{}\n", base, hash == std::string::npos ? "" : "  " + line.substr(hash));
        bool skipped = false;
        for (std::uint64_t off = 0; off < (pdpt ? 32u : 4096u); off += 16) {
            std::string row;
            bool zero = true;
            for (std::uint64_t e = 0; e < 16; e += size) {
                const std::uint64_t v = m.mem.read_entry(base + off + e, size);
                zero &= v == 0;
                row += fmt::format(" {:0{}x}", v, size * 2);
            }
            if (zero) {
                if (!skipped) out += "  *\n";
                skipped = true;
                continue;
            }
            skipped = false;
            out += fmt::format("  {:#010x}:{}\n", base + off, row);
        }
        out += "\n";
    }
    return out;
}

// The machine file up to its first table: the mode and the control bits.
std::string dump_header(const std::string& dump) {
    const std::size_t t = dump.find("\ntable ");
    return t == std::string::npos ? dump : dump.substr(0, t + 1);
}

// The machine as the problem shows it: as a machine file, or (hexdump) as memory.
std::string machine_text(const Machine& m, const std::string& dump, bool hexdump) {
    const std::string bits = "Entry bits: P=0x1 R/W=0x2 U/S=0x4 PS=0x80" + std::string(m.mode->has_xd ? " XD=bit 63" : "") + ".\n\n";
    if (hexdump)
        return fmt::format("CR3 and the control bits, then the memory of every table page: a line is\n"
                           "16 bytes read as {}-byte entries (little-endian values), '*' a run of zero\n"
                           "lines. Find each entry by its physical address.\n",
                           m.mode->entry_size) +
               bits + dump_header(dump) + hex_dump(m, dump);
    return "The machine as a machine file (docs/machine-format.md): CR3, the control bits,\n"
           "and each table's non-zero entries as INDEX RAW-ENTRY.\n" +
           bits + dump + "\n";
}

}  // namespace

std::string quiz_command_line(const QuizOptions& o, bool hexdump) {
    static constexpr const char* kind[] = {"", " --kind entry", " --kind decode", " --kind cost"};
    return fmt::format("vmsim quiz{} --levels {} --seed {}{}{}{}{}", kind[static_cast<int>(o.kind)],
                       o.mode->level_count, o.seed,
                       o.count != 5 ? fmt::format(" --count {}", o.count) : "", o.huge ? " --huge" : "",
                       o.faults ? " --faults" : "", hexdump ? " --hexdump" : "");
}

std::string quiz_problem_text(const Quiz& quiz, const std::string& dump, bool hexdump) {
    const Machine& m = quiz.machine;
    std::string out = fmt::format("{}\n{}: {} address{} to translate\n\n", quiz_command_line(quiz.options, hexdump),
                                  m.mode->title, quiz.questions.size(), quiz.questions.size() == 1 ? "" : "es");
    out += machine_text(m, dump, hexdump);
    out += "Translate each access: its physical address, or the fault\n"
           "(#PF and its error code, or #GP).\n";
    for (std::size_t i = 0; i < quiz.questions.size(); ++i)
        out += wrap(fmt::format("  {}. {}", i + 1, question_text(quiz.questions[i])), TEXT_WIDTH, "     ") + "\n";
    return out;
}

std::string quiz_solution_text(const Quiz& quiz, const Walk& w) {
    return render_walk_text(quiz.machine, w) +
           wrap(fmt::format("answer  {}", answer_text(quiz.machine, w)), TEXT_WIDTH, "        ") + "\n";
}

namespace {

// What each kind asks, between the machine (entry) and the questions.
std::string kind_intro(const KindQuiz& q) {
    const PagingMode& mode = *q.options.mode;
    switch (q.options.kind) {
    case QuizKind::Entry:
        return "For each access, the physical address of the entry the MMU reads at the\n"
               "level named (0x...), or 'none' if the walk never reads it.\n";
    case QuizKind::Decode:
        return std::string(mode.entry_size == 4
                               ? "CR4.PSE=1: a PDE with PS=1 maps a 4M page (PSE-36: its bits 20:13 are\n"
                                 "physical-address bits 39:32).\n"
                               : fmt::format("EFER.NXE=1 (bit 63 is XD); MAXPHYADDR is {}.\n", mode.default_maxphyaddr)) +
               "Decode each entry: what it points to, and which flags are set. Answer\n"
               "'table 0xADDRESS FLAGS', 'frame 0xADDRESS FLAGS' or 'not present'; flags\n"
               "from P RW US PWT PCD A D PS PAT G XD, in any order.\n";
    case QuizKind::Cost:
        return fmt::format("How many tables does mapping each region need, at every level, the top\n"
                           "table (the {} CR3 points at) included? A number.\n",
                           mode.top().table);
    case QuizKind::Translate: break;
    }
    return "";
}

}  // namespace

std::string kind_problem_text(const KindQuiz& q, const std::string& dump, bool hexdump) {
    static constexpr const char* what[] = {"", "entr{} to find", "entr{} to decode", "region{} to map"};
    const std::size_t n = q.questions.size();
    const bool entry = q.options.kind == QuizKind::Entry;
    std::string out = fmt::format("{}\n{}: {} {}\n\n", quiz_command_line(q.options, hexdump), q.options.mode->title, n,
                                  fmt::format(fmt::runtime(what[static_cast<int>(q.options.kind)]),
                                              entry || q.options.kind == QuizKind::Decode ? (n == 1 ? "y" : "ies")
                                                                                          : (n == 1 ? "" : "s")));
    if (entry) out += machine_text(q.base.machine, dump, hexdump);
    out += kind_intro(q);
    for (std::size_t i = 0; i < n; ++i)
        out += wrap(fmt::format("  {}. {}", i + 1, kind_question_text(q, i)), TEXT_WIDTH, "     ") + "\n";
    return out;
}

std::string kind_solution_text(const KindQuiz& q, std::size_t i) {
    const KindQuestion& k = q.questions.at(i);
    const PagingMode& mode = *q.options.mode;
    std::string out;
    switch (q.options.kind) {
    case QuizKind::Entry: {
        const Walk w = question_walk(q.base, k.walk_question);
        out = render_walk_text(q.base.machine, w);
        if (w.step_count)
            out += fmt::format("answer  {} (the {}, step {})\n", kind_answer(q, i), mode.level[k.level].entry, k.level + 1);
        else
            out += "answer  none (#GP: the walk reads no table)\n";
        return out;
    }
    case QuizKind::Decode:
        for (const std::string& line : decode_explained(mode, k.level, k.raw)) out += wrap("  " + line, TEXT_WIDTH, "    ") + "\n";
        break;
    case QuizKind::Cost:
        for (const LevelCost& l : kind_cost(mode, k.region).levels) {
            const LevelDesc& d = mode.level[l.level];
            out += fmt::format("  {:<5} {:>6} {:<7} each covers {}\n", d.table, l.tables, l.tables == 1 ? "table," : "tables,",
                               span_size(d.entry_span() * d.entries()));
        }
        break;
    case QuizKind::Translate: break;
    }
    return out + wrap("answer  " + kind_answer(q, i), TEXT_WIDTH, "        ") + "\n";
}

}  // namespace vmtour
