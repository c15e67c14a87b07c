// Reading a learner's typed lines for the interactive sessions (`quiz --ask`, `lesson do`):
// read(2) on stdin, so that Ctrl-C (SIGINT, caught without SA_RESTART) ends a blocked read at
// once instead of being retried inside a C++ stream.
#pragma once

#include <optional>
#include <string>

namespace vmtour::cli {

// Catches SIGINT from now on: sigint_caught() tells whether it came.
void catch_sigint();
bool sigint_caught();

class LineReader {
public:
    LineReader();
    // The next line without its newline; nullopt on EOF, on a read error or after Ctrl-C.
    std::optional<std::string> next();
    bool terminal() const { return terminal_; }

private:
    bool terminal_;
    std::string buf_;
    bool eof_ = false;
};

}  // namespace vmtour::cli
