// libFuzzer target: vmreal's report parser (what `vmsim split --from` and `cost --from` read), in
// all three formats. A report that parses must write back and parse to the same records.
#include "report.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = vmtour::parse_report(text);
    if (!parsed) return 0;
    // Records grow with lines: a record needs a few bytes of input at least.
    if (parsed.value.size() > size) std::abort();
    bool flags = false;
    for (const auto& r : parsed.value) flags = flags || r.has_flags;
    for (auto format : {vmtour::ReportFormat::Text, vmtour::ReportFormat::Csv, vmtour::ReportFormat::Json}) {
        const std::string written = vmtour::write_report(parsed.value, format, flags);
        auto again = vmtour::parse_report(written);
        if (!again) {
            std::fprintf(stderr, "fuzz_report: written report does not read back: %s\n", again.error.c_str());
            std::abort();
        }
        if (again.value.size() != parsed.value.size()) std::abort();
    }
    return 0;
}
