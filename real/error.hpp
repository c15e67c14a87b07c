// The two ways vmreal fails, each with its exit code (docs/vmreal.md, "Exit codes").
#pragma once

#include <stdexcept>
#include <string>

namespace vmtour {

inline constexpr int EXIT_RUNTIME = 1;      // the system refused: mmap, mlock, a /proc file, a write
inline constexpr int EXIT_USAGE = 2;        // bad options or input: -m 12Q, -b 2K, an unwritable -o
inline constexpr int EXIT_PFN_HIDDEN = 3;   // ran, but the kernel hid the frame numbers (no CAP_SYS_ADMIN)

// A failure with a one-line message (no "vmreal: " prefix; main adds it) and an exit code.
struct RealError : std::runtime_error {
    RealError(const std::string& message, int code_ = EXIT_RUNTIME) : std::runtime_error(message), code(code_) {}
    int code;
};

// errno as words: "No such file or directory".
std::string errno_text(int err);

}  // namespace vmtour
