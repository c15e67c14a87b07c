#include "line_reader.hpp"

#include <cerrno>
#include <csignal>
#include <unistd.h>
#include <utility>

namespace vmtour::cli {

namespace {

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int) { interrupted = 1; }

// A line as typed at a terminal may hold the keys that a shell would act on: arrows, Home, Del
// (ECMA-48 control sequences: ESC [ parameters intermediates final, or ESC O and one key), and
// other control characters. They are not part of an answer, and printed back in a hint they
// would move the cursor: they are left out. A tab stays (it separates values).
std::string without_keys(const std::string& line) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(line[i]);
        if (c == 0x1b && i + 1 < line.size() && line[i + 1] == '[') {
            i += 2;
            while (i < line.size() && static_cast<unsigned char>(line[i]) >= 0x20 &&
                   static_cast<unsigned char>(line[i]) <= 0x3f)
                ++i;  // parameter and intermediate bytes
            continue;  // i is at the final byte, skipped by the loop
        }
        if (c == 0x1b && i + 1 < line.size() && line[i + 1] == 'O') {
            i += 2;  // ESC O and its key
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) continue;
        out += line[i];
    }
    return out;
}

}  // namespace

void catch_sigint() {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
    sigaction(SIGINT, &sa, nullptr);
}

bool sigint_caught() { return interrupted != 0; }

LineReader::LineReader() : terminal_(isatty(0) != 0) {}

std::optional<std::string> LineReader::next() {
    for (;;) {
        if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
            std::string line = without_keys(buf_.substr(0, nl));
            buf_.erase(0, nl + 1);
            return line;
        }
        if (eof_) {
            if (buf_.empty()) return std::nullopt;
            return without_keys(std::exchange(buf_, {}));
        }
        char chunk[256];
        const ssize_t n = ::read(0, chunk, sizeof chunk);
        if (interrupted) return std::nullopt;
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) eof_ = true;
        else buf_.append(chunk, static_cast<std::size_t>(n));
    }
}

}  // namespace vmtour::cli
