// Draws vmreal tlb's curve from fixed, made-up points on stdout, so the picture has a golden copy
// (run.sh compares it with expected/tlb-curve.svg); a real run's picture is checked in vmreal.py.
// The points are shaped like a CPU with a 64-entry L1 DTLB and a 1536-entry second level: steps
// after 64 and 1536 pages with 4K pages; with THP the line stays low until the data caches run out.
#include "svg.hpp"
#include "tlb_picture.hpp"

#include <cstdio>

using namespace vmtour;

int main() {
    const std::vector<std::pair<std::uint64_t, double>> ns_4k = {
        {4, 1.21},    {6, 1.2},     {8, 1.22},    {12, 1.21},   {16, 1.23},   {24, 1.22},  {32, 1.24},
        {48, 1.25},   {64, 1.27},   {96, 3.1},    {128, 3.3},   {192, 3.35},  {256, 3.4},  {384, 3.42},
        {512, 3.5},   {768, 3.55},  {1024, 3.6},  {1536, 3.8},  {2048, 9.4},  {3072, 10.2}, {4096, 10.8},
        {6144, 11.5}, {8192, 12.1}, {12288, 13.9}, {16384, 14.6}, {24576, 15.2}, {32768, 15.8}};
    const double ns_thp[] = {1.22, 1.21, 1.2,  1.22, 1.23, 1.22, 1.23, 1.24, 1.24, 1.25, 1.26, 1.27, 1.28, 1.3,
                             1.31, 1.33, 1.35, 1.38, 1.4,  1.43, 1.47, 1.5,  1.55, 2.6,  2.7,  2.8,  2.95};
    std::vector<TlbPoint> points;
    std::vector<std::uint64_t> pages;
    std::vector<double> a, b;
    for (std::size_t i = 0; i < ns_4k.size(); ++i) {
        // Below 512 pages the THP buffer is one 2 MiB page, part of it used; above, all huge.
        points.push_back({ns_4k[i].first, ns_4k[i].second, ns_thp[i], ns_4k[i].first >= 4096 ? 0.98 : 1.0});
        pages.push_back(ns_4k[i].first);
        a.push_back(ns_4k[i].second);
        b.push_back(ns_thp[i]);
    }
    TlbCurve c = tlb_curve(points, find_knees(pages, a), find_knees(pages, b), true);
    c.cpu = "Made-up CPU (test points), CPU 0 (pinned)";
    c.options = "--min 4 --max 32768 --reps 7 --steps 400000; THP policy: madvise";
    c.hypervisor = true;
    std::fputs(svg_tlb_curve(c).c_str(), stdout);
    return 0;
}
