// libFuzzer target: the machine-file parser, then everything that reads a parsed machine (walk,
// dump and re-parse, memory map, check). Any crash, leak, sanitizer report or a dump that does not
// read back is a bug.
#include "machine_file.hpp"
#include "memmap.hpp"
#include "walk.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = vmtour::parse_machine(text, "fuzz");
    if (!parsed) return 0;
    const vmtour::Machine& m = parsed.value;
    const vmtour::Mmu mmu(m);
    for (const auto& e : m.expects)
        for (auto t : {vmtour::AccessType::Read, vmtour::AccessType::Write, vmtour::AccessType::Execute}) {
            const auto w = mmu.walk(e.va, {t, true});
            if (!w.ok) (void)vmtour::describe(w.fault, w, *m.mode);
            if (w.ok != (mmu.translate(e.va, {t, true}) != vmtour::NO_TRANSLATION)) std::abort();
        }
    const std::string dumped = vmtour::dump_machine(m);
    auto again = vmtour::parse_machine(dumped, "dump");
    if (!again) std::abort();  // a dump must always read back
    std::string error;
    (void)vmtour::memory_map(m, {}, error);
    return 0;
}
