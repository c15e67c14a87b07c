// libFuzzer target: the lesson exercise parser (lessons/NN-*/exercises.txt), then every check of
// each exercise against the input itself as an output (the checks' own parsers: VA/PA lines,
// invariants, exact text).
#include "lessons.hpp"

#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = vmtour::parse_exercises(text, "fuzz");
    if (!parsed) return 0;
    const std::string output(text);
    for (const auto& e : parsed.value) {
        (void)vmtour::check_output(e, output, 0, std::nullopt);
        (void)vmtour::check_output(e, output, std::nullopt, output);
    }
    return 0;
}
