// vmreal tlb --svg: the measured numbers handed to sim/present's svg_tlb_curve as plain data
// (where the picture may go is svg::check_writable's, before anything is measured).
#pragma once

#include "svg.hpp"
#include "tlb_measure.hpp"

#include <string>
#include <vector>

namespace vmtour {

// The picture's data: every point, and the knees as the text prints them. The caller adds the
// CPU, the options and whether a hypervisor is underneath.
TlbCurve tlb_curve(const std::vector<TlbPoint>& points, const std::vector<Knee>& knees_4k,
                   const std::vector<Knee>& knees_thp, bool thp);

}  // namespace vmtour
