// Benchmark: the cost of one page walk in each mode. Maps N random 4 KB pages (1M inside 64 GiB
// for the 64-bit modes, 256K inside the 4 GiB space for the 32-bit ones), then translates them in a
// random order, with and without recording the steps. Prints nanoseconds per walk, and
// instructions per walk when the kernel lets us count them (perf_event_open); otherwise
// scripts/bench-walk.sh counts them with callgrind.
#include "builder.hpp"
#include "walk.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <random>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unordered_set>
#include <vector>

using namespace vmtour;

namespace {

// A counter of user-space instructions retired by this thread, or -1 when not available.
class InstructionCounter {
public:
    InstructionCounter() {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_HARDWARE;
        attr.size = sizeof attr;
        attr.config = PERF_COUNT_HW_INSTRUCTIONS;
        attr.disabled = 1;
        attr.exclude_kernel = 1;
        attr.exclude_hv = 1;
        fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    }
    ~InstructionCounter() {
        if (fd_ >= 0) close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    void start() {
        if (fd_ < 0) return;
        ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
        ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
    }
    long long stop() {
        if (fd_ < 0) return -1;
        ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
        long long n = 0;
        return read(fd_, &n, sizeof n) == sizeof n ? n : -1;
    }

private:
    int fd_ = -1;
};

// Kept out of line so callgrind can count exactly this loop (--toggle-collect=translate_all*).
[[gnu::noinline]] std::uint64_t translate_all(const Mmu& mmu, const std::vector<std::uint64_t>& vas) {
    std::uint64_t sum = 0;
    const Access read{};
    for (std::uint64_t va : vas) sum += mmu.translate(va, read);
    return sum;
}

[[gnu::noinline]] std::uint64_t walk_all(const Mmu& mmu, const std::vector<std::uint64_t>& vas) {
    std::uint64_t sum = 0;
    for (std::uint64_t va : vas) sum += mmu.walk(va, Access{}).translation.pa;
    return sum;
}

struct Result {
    double ns;
    long long instructions;
};

template <typename F>
Result measure(F&& body, std::size_t n, InstructionCounter& counter, std::uint64_t& sink) {
    counter.start();
    const auto t0 = std::chrono::steady_clock::now();
    sink += body();
    const auto t1 = std::chrono::steady_clock::now();
    const long long ins = counter.stop();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n);
    return {ns, ins < 0 ? -1 : ins / static_cast<long long>(n)};
}

}  // namespace

int main(int argc, char** argv) {
    // --scale K divides the page counts by K (callgrind runs use a smaller machine);
    // --mode KEY runs one mode only.
    unsigned scale = 1;
    const char* only = nullptr;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--scale") == 0) scale = static_cast<unsigned>(std::max(1, std::atoi(argv[i + 1])));
        else if (std::strcmp(argv[i], "--mode") == 0) only = argv[i + 1];
    }
    std::mt19937_64 rng(20261122);
    InstructionCounter counter;
    std::uint64_t sink = 0;
    fmt::print("{:<8} {:>9} {:>10} {:>12} {:>14} {:>12} {:>14}\n", "mode", "pages", "range", "ns/walk",
               "instr/walk", "ns/traced", "instr/traced");
    for (const PagingMode* mode : all_modes()) {
        if (only && mode->key != only) continue;
        const bool wide = mode->va_bits > 32;
        const std::size_t pages = (wide ? 1u << 20 : 1u << 18) / scale;
        const std::uint64_t range = wide ? 64ull << 30 : 4ull << 30;
        Machine m;
        m.mode = mode;
        FrameAllocator frames(0x80000000);  // tables at 2 GB, page frames from 16 MB
        PageTableBuilder builder(m, frames);
        std::unordered_set<std::uint64_t> used;
        std::vector<std::uint64_t> vas;
        vas.reserve(pages);
        std::uniform_int_distribution<std::uint64_t> pick(0, range / 4096 - 1);
        while (vas.size() < pages) {
            const std::uint64_t vpn = pick(rng);
            if (!used.insert(vpn).second) continue;
            const std::string err = builder.map({vpn << 12, (vas.size() + 0x1000) << 12, 4096, 4096, 0x6});
            if (!err.empty()) {
                fmt::print(stderr, "walk_bench: {}\n", err);
                return 1;
            }
            vas.push_back((vpn << 12) | (vpn & 0xfff));
        }
        std::shuffle(vas.begin(), vas.end(), rng);
        const Mmu mmu(m);
        translate_all(mmu, vas);  // warm up
        const Result fast = measure([&] { return translate_all(mmu, vas); }, vas.size(), counter, sink);
        const Result traced = measure([&] { return walk_all(mmu, vas); }, vas.size(), counter, sink);
        auto ins = [](long long v) { return v < 0 ? std::string("n/a") : fmt::format("{}", v); };
        fmt::print("{:<8} {:>9} {:>10} {:>12.1f} {:>14} {:>12.1f} {:>14}\n", mode->key, vas.size(),
                   wide ? "64 GiB" : "4 GiB", fast.ns, ins(fast.instructions), traced.ns, ins(traced.instructions));
    }
    if (!counter.ok())
        fmt::print("instructions: perf_event_open is not available here; scripts/bench-walk.sh counts them with callgrind\n");
    return sink == 42 ? 1 : 0;  // keeps the work observable
}
