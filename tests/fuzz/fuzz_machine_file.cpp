// libFuzzer target: the machine-file parser, then everything that reads a parsed machine (walk,
// dump and re-parse, memory map). Any crash, leak, sanitizer report, a dump that does not read
// back, or memory out of proportion to the input is a bug.
//
// Memory invariant: a machine file's memory grows with what it writes. A line that writes a new
// 4 KB frame is at least 10 bytes long ("entry 4096 1" is 12), so 1 KiB of memory per input byte
// covers every such line with room to spare, and the map lines' tables are capped by the
// harness's page cap below (at most FUZZ_PAGES pages, about FUZZ_PAGES/512 + 5 tables per line
// group). The old physical memory took 512 KiB for each 256 MiB region an 'entry' line touched,
// so three such lines (a 97-byte file) broke this bound; see tests/fuzz/README.md.
#include "machine_file.hpp"
#include "memmap.hpp"
#include "walk.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {
// Far below the command's limits, so each input runs in milliseconds.
constexpr std::size_t FUZZ_FRAMES = 2048;
constexpr std::uint64_t FUZZ_PAGES = 4096;
constexpr std::size_t BYTES_PER_INPUT_BYTE = 1024;
constexpr std::size_t MEMORY_SLACK = std::size_t{1} << 20;
constexpr double MAX_SECONDS = 1.0;  // per input, with sanitizers

[[noreturn]] void broken(const char* what, std::size_t a, std::size_t b) {
    std::fprintf(stderr, "fuzz_machine_file: %s (%zu > %zu)\n", what, a, b);
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    vmtour::MachineLimits limits;
    limits.max_frames = FUZZ_FRAMES;
    limits.max_mapped_pages = FUZZ_PAGES;
    auto parsed = vmtour::parse_machine(text, "fuzz", limits);
    if (!parsed) return 0;
    const vmtour::Machine& m = parsed.value;
    const std::size_t bound = BYTES_PER_INPUT_BYTE * size + MEMORY_SLACK;
    if (m.mem.allocated_bytes() > bound) broken("memory out of proportion to the input", m.mem.allocated_bytes(), bound);
    const vmtour::Mmu mmu(m);
    for (const auto& e : m.expects)
        for (auto t : {vmtour::AccessType::Read, vmtour::AccessType::Write, vmtour::AccessType::Execute}) {
            const auto w = mmu.walk(e.va, {t, true});
            if (!w.ok) (void)vmtour::describe(w.fault, w, *m.mode);
            if (w.ok != (mmu.translate(e.va, {t, true}) != vmtour::NO_TRANSLATION)) std::abort();
        }
    const std::string dumped = vmtour::dump_machine(m);
    auto again = vmtour::parse_machine(dumped, "dump");
    if (!again) {
        std::fprintf(stderr, "fuzz_machine_file: the dump does not read back: %s\n", again.error.c_str());
        std::abort();
    }
    std::string error;
    (void)vmtour::memory_map(m, {}, error);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (seconds > MAX_SECONDS) broken("too slow for its size (ms)", static_cast<std::size_t>(seconds * 1000), 1000);
    return 0;
}
