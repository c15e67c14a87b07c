// vmlab's two kinds of failure, each reported as one line by main.
#pragma once

#include <stdexcept>

namespace vmtour::lab {

// Exit statuses of vmlab itself (otherwise it exits with the guest command's status).
inline constexpr int EXIT_USAGE = 2;        // a bad command line
inline constexpr int EXIT_LAB = 125;        // the lab could not run the command, or the kernel complained
inline constexpr int EXIT_INTERRUPTED = 130;

// "vmlab: <what>", exit EXIT_USAGE.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// "vmlab: <what>", exit EXIT_LAB.
struct LabError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace vmtour::lab
