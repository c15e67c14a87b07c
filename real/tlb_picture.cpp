#include "tlb_picture.hpp"

namespace vmtour {

TlbCurve tlb_curve(const std::vector<TlbPoint>& points, const std::vector<Knee>& knees_4k,
                   const std::vector<Knee>& knees_thp, bool thp) {
    TlbCurve c;
    c.thp = thp;
    for (const TlbPoint& p : points) {
        TlbCurvePoint q{p.pages, p.ns_4k, std::nullopt, p.thp_fraction};
        if (thp) q.ns_thp = p.ns_thp;
        c.points.push_back(q);
    }
    for (const Knee& k : knees_4k) c.knees_4k.push_back({k.pages, k.before, k.after});
    if (thp)
        for (const Knee& k : knees_thp) c.knees_thp.push_back({k.pages, k.before, k.after});
    return c;
}

}  // namespace vmtour
