// vmreal tlb's knee finder and its picture's data, on made-up curves (the measurement itself runs
// in lesson 10 and tests/svg/vmreal.py).
#include "tlb_measure.hpp"
#include "svg_doc.hpp"
#include "tlb_picture.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

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

TEST_CASE("tlb --svg: the picture's data is the run's, THP only when measured", "[tlb][svg]") {
    const std::vector<TlbPoint> points = {{8, 1.3, 1.2, 1.0}, {16, 3.4, 1.25, 1.0}, {32, 3.5, 1.3, 0.5}};
    const std::vector<Knee> k4 = {{16, 1.3, 3.4}}, kthp = {{32, 1.2, 9.9}};
    const TlbCurve with = tlb_curve(points, k4, kthp, true);
    REQUIRE(with.points.size() == 3);
    CHECK(with.points[2].ns_thp == Approx(1.3));
    CHECK(with.points[2].thp_fraction == Approx(0.5));
    REQUIRE(with.knees_thp.size() == 1);
    CHECK(with.knees_thp[0].after == Approx(9.9));
    const TlbCurve without = tlb_curve(points, k4, kthp, false);
    CHECK_FALSE(without.thp);
    CHECK_FALSE(without.points[0].ns_thp.has_value());
    CHECK(without.knees_thp.empty());
    CHECK(without.knees_4k.size() == 1);
    // Drawn: one mark per point and line, one labelled dashed line per knee.
    const std::string svg = svg_tlb_curve(with);
    CHECK_THAT(svg, Catch::Contains(R"(data-points-4k="3" data-points-thp="3" data-knees-4k="1" data-knees-thp="1")"));
    CHECK_THAT(svg, Catch::Contains("4K knee: 16 pages (64 KiB), 1.3 -&gt; 3.4 ns"));
    CHECK_THAT(svg, Catch::Contains("THP knee: 32 pages (128 KiB), 1.2 -&gt; 9.9 ns"));
    CHECK_THAT(svg_tlb_curve(without), Catch::Contains(R"(data-points-thp="0" data-knees-4k="1" data-knees-thp="0")"));
    // No points at all (a run stopped before its first): a picture still, with nothing on it.
    CHECK_THAT(svg_tlb_curve(TlbCurve{}), Catch::Contains(R"(data-points="0" data-points-4k="0" data-points-thp="0")"));
}

TEST_CASE("tlb --svg: the target is tried before measuring and left as it was", "[tlb][svg]") {
    char dir[] = "/tmp/vmtour-tlbsvg-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string file = std::string(dir) + "/c.svg";
    CHECK(svg::check_writable(file).empty());
    CHECK_FALSE(std::ifstream(file + ".tmp").good());  // the probe's temporary file is gone
    std::ofstream(file + ".tmp") << "someone's";       // one that was there stays
    CHECK(svg::check_writable(file).empty());
    std::string kept;
    std::getline(std::ifstream(file + ".tmp"), kept);
    CHECK(kept == "someone's");
    CHECK(svg::check_writable(dir) == fmt::format("{} is a folder, not a file", dir));
    std::remove((file + ".tmp").c_str());
    CHECK(rmdir(dir) == 0);  // nothing else was left in it
}
