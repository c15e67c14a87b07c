// vmreal tlb's knee finder, on made-up curves (the measurement itself runs in lesson 10).
#include "tlb_measure.hpp"

#include <catch2/catch.hpp>

using namespace vmtour;

TEST_CASE("knees: lasting steps are found, lone spikes are not", "[tlb][stats]") {
    const std::vector<std::uint64_t> pages = {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
    // Flat at 1.3 ns, a step at 64 pages (L1 TLB), a spike at 256, a step at 2048 (L2 TLB).
    const std::vector<double> ns = {1.3, 1.3, 1.35, 3.4, 3.5, 20.0, 3.6, 3.7, 9.0, 9.5};
    const auto k = find_knees(pages, ns);
    REQUIRE(k.size() == 2);
    CHECK(k[0].pages == 64);
    CHECK(k[0].before == Approx(1.3));
    CHECK(k[0].after == Approx(3.4));
    CHECK(k[1].pages == 2048);
    CHECK(k[1].before == Approx(3.4));
    CHECK(k[1].after == Approx(9.0));
    CHECK(find_knees(pages, std::vector<double>(10, 2.0)).empty());
    CHECK(find_knees({}, {}).empty());
}
