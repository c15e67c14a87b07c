#include "line_reader.hpp"

#include <cerrno>
#include <csignal>
#include <unistd.h>
#include <utility>

namespace vmtour::cli {

namespace {

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int) { interrupted = 1; }

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
            std::string line = buf_.substr(0, nl);
            buf_.erase(0, nl + 1);
            return line;
        }
        if (eof_) {
            if (buf_.empty()) return std::nullopt;
            return std::exchange(buf_, {});
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
