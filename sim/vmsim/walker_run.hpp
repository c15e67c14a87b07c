// Running a learner's walker as a child process: fork/exec with pipes for stdin, stdout and
// stderr, its own process group (so a timeout kills whatever it started), a time limit and an
// output limit. A walker that hangs, crashes or floods never hangs the grader.
#pragma once

#include <string>

namespace vmtour::cli {

struct WalkerRun {
    enum class Status { Exited, Signaled, TimedOut, TooMuchOutput, CannotStart };
    Status status = Status::Exited;
    int code = 0;        // exit status, or the signal number
    std::string out;     // standard output
    std::string err;     // standard error (the first 64 KB)
    double seconds = 0;
};

// Runs `command MACHINE`: exec'd directly when `command` is one word, else as
// /bin/sh -c 'command "$1"' with the machine file as $1. `input` is written to its stdin.
WalkerRun run_walker(const std::string& command, const std::string& machine_file, const std::string& input,
                     double timeout_seconds);

// "killed by signal 11 (Segmentation fault)", "timed out after 5 s", ...
std::string describe_run(const WalkerRun& r, double timeout_seconds);

}  // namespace vmtour::cli
