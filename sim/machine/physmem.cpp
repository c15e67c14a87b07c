#include "physmem.hpp"

namespace vmtour {

PhysMem::PhysMem() : dense_(std::make_unique<std::unique_ptr<Chunk>[]>(DENSE_CHUNKS)) {}
PhysMem::~PhysMem() = default;
PhysMem::PhysMem(PhysMem&&) noexcept = default;
PhysMem& PhysMem::operator=(PhysMem&&) noexcept = default;

const PhysMem::Chunk* PhysMem::sparse_chunk(std::uint64_t top) const {
    auto it = sparse_.find(top);
    return it == sparse_.end() ? nullptr : it->second.get();
}

std::uint8_t* PhysMem::frame_for_write(std::uint64_t pfn) {
    const std::uint64_t top = pfn >> CHUNK_BITS;
    std::unique_ptr<Chunk>* slot;
    if (top < DENSE_CHUNKS) {
        slot = &dense_[top];
    } else {
        slot = &sparse_[top];
    }
    if (!*slot) *slot = std::make_unique<Chunk>();
    std::uint8_t*& f = (*slot)->frames[pfn & (CHUNK_FRAMES - 1)];
    if (!f) {
        storage_.push_back(std::make_unique<std::uint8_t[]>(FRAME_SIZE));  // zero-filled
        f = storage_.back().get();
        ++frames_;
    }
    return f;
}

void PhysMem::write64(std::uint64_t pa, std::uint64_t v) {
    std::memcpy(frame_for_write(pa >> FRAME_SHIFT) + (pa & (FRAME_SIZE - 1)), &v, sizeof v);
}

void PhysMem::write32(std::uint64_t pa, std::uint32_t v) {
    std::memcpy(frame_for_write(pa >> FRAME_SHIFT) + (pa & (FRAME_SIZE - 1)), &v, sizeof v);
}

void PhysMem::write_entry(std::uint64_t pa, unsigned size, std::uint64_t v) {
    if (size == 8) write64(pa, v);
    else write32(pa, static_cast<std::uint32_t>(v));
}

}  // namespace vmtour
