#include "quiz_text.hpp"

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

}  // namespace

std::string quiz_command_line(const QuizOptions& o, bool hexdump) {
    return fmt::format("vmsim quiz --levels {} --seed {}{}{}{}{}", o.mode->level_count, o.seed,
                       o.count != 5 ? fmt::format(" --count {}", o.count) : "", o.huge ? " --huge" : "",
                       o.faults ? " --faults" : "", hexdump ? " --hexdump" : "");
}

std::string quiz_problem_text(const Quiz& quiz, const std::string& dump, bool hexdump) {
    const Machine& m = quiz.machine;
    std::string out = fmt::format("{}\n{}: {} address{} to translate\n\n", quiz_command_line(quiz.options, hexdump),
                                  m.mode->title, quiz.questions.size(), quiz.questions.size() == 1 ? "" : "es");
    const std::string bits = "Entry bits: P=0x1 R/W=0x2 U/S=0x4 PS=0x80" + std::string(m.mode->has_xd ? " XD=bit 63" : "") + ".\n\n";
    if (hexdump)
        out += fmt::format("CR3 and the control bits, then the memory of every table page: a line is\n"
                           "16 bytes read as {}-byte entries (little-endian values), '*' a run of zero\n"
                           "lines. Find each entry by its physical address.\n",
                           m.mode->entry_size) +
               bits + dump_header(dump) + hex_dump(m, dump);
    else
        out += "The machine as a machine file (docs/machine-format.md): CR3, the control bits,\n"
               "and each table's non-zero entries as INDEX RAW-ENTRY.\n" +
               bits + dump + "\n";
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

}  // namespace vmtour
