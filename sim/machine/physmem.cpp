#include "physmem.hpp"

#include <algorithm>
#include <utility>

namespace vmtour {

namespace {
constexpr unsigned INITIAL_BITS = 4;  // 16 slots
}

const std::uint8_t PhysMem::ZERO_FRAME[PhysMem::FRAME_SIZE] = {};

namespace {
std::unique_ptr<std::uint64_t[]> empty_keys(std::size_t n, std::uint64_t empty) {
    // make_unique, not make_unique_for_overwrite: emscripten's libc++ (LLVM 14) lacks the latter;
    // the slots are filled at once anyway, and only when the table grows.
    auto k = std::make_unique<std::uint64_t[]>(n);
    std::fill(k.get(), k.get() + n, empty);
    return k;
}
}  // namespace

PhysMem::PhysMem()
    : keys_(empty_keys(std::size_t{1} << INITIAL_BITS, EMPTY)),
      bytes_(std::make_unique<std::uint8_t*[]>(std::size_t{1} << INITIAL_BITS)),
      mask_((std::size_t{1} << INITIAL_BITS) - 1),
      shift_(64 - INITIAL_BITS) {}
PhysMem::~PhysMem() = default;

// A moved-from memory is empty, not broken: the walker may still read it.
PhysMem::PhysMem(PhysMem&& o) noexcept : PhysMem() { *this = std::move(o); }
PhysMem& PhysMem::operator=(PhysMem&& o) noexcept {
    std::swap(keys_, o.keys_);
    std::swap(bytes_, o.bytes_);
    std::swap(mask_, o.mask_);
    std::swap(shift_, o.shift_);
    std::swap(frames_, o.frames_);
    std::swap(max_frames_, o.max_frames_);
    return *this;
}

std::size_t PhysMem::allocated_bytes() const {
    return frames_.size() * FRAME_SIZE + (mask_ + 1) * (sizeof(std::uint64_t) + sizeof(std::uint8_t*)) +
           frames_.capacity() * sizeof(frames_[0]);
}

// Doubles the slot table and puts every frame back (keys are unique, so no comparisons).
void PhysMem::grow() {
    const std::size_t count = (mask_ + 1) * 2;
    auto old_keys = std::exchange(keys_, empty_keys(count, EMPTY));
    auto old_bytes = std::exchange(bytes_, std::make_unique<std::uint8_t*[]>(count));
    const std::size_t old_count = mask_ + 1;
    mask_ = count - 1;
    --shift_;
    for (std::size_t i = 0; i < old_count; ++i) {
        if (old_keys[i] == EMPTY) continue;
        std::size_t j = hash(old_keys[i], shift_);
        while (keys_[j] != EMPTY) j = (j + 1) & mask_;
        keys_[j] = old_keys[i];
        bytes_[j] = old_bytes[i];
    }
}

std::uint8_t* PhysMem::frame_for_write(std::uint64_t frame_pa) {
    std::size_t i = hash(frame_pa, shift_);
    for (; keys_[i] != EMPTY; i = (i + 1) & mask_)
        if (keys_[i] == frame_pa) return bytes_[i];
    if (frames_.size() >= max_frames_) return nullptr;
    if ((frames_.size() + 1) * 4 > mask_ + 1) {  // at most a quarter full: few probes per lookup
        grow();
        i = hash(frame_pa, shift_);
        while (keys_[i] != EMPTY) i = (i + 1) & mask_;
    }
    frames_.push_back(std::make_unique<std::uint8_t[]>(FRAME_SIZE));  // zero-filled
    keys_[i] = frame_pa;
    bytes_[i] = frames_.back().get();
    return bytes_[i];
}

bool PhysMem::write64(std::uint64_t pa, std::uint64_t v) {
    std::uint8_t* f = frame_for_write(pa & ~(FRAME_SIZE - 1));
    if (f) std::memcpy(f + (pa & (FRAME_SIZE - 1)), &v, sizeof v);
    return f != nullptr;
}

bool PhysMem::write32(std::uint64_t pa, std::uint32_t v) {
    std::uint8_t* f = frame_for_write(pa & ~(FRAME_SIZE - 1));
    if (f) std::memcpy(f + (pa & (FRAME_SIZE - 1)), &v, sizeof v);
    return f != nullptr;
}

bool PhysMem::write_entry(std::uint64_t pa, unsigned size, std::uint64_t v) {
    return size == 8 ? write64(pa, v) : write32(pa, static_cast<std::uint32_t>(v));
}

}  // namespace vmtour
