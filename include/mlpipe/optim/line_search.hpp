#pragma once
// Moré–Thuente line search (MINPACK-2 dcsrch/dcstep), written from the published
// algorithm for this project. It is the search scipy's L-BFGS-B uses, with the same
// constants by default, so that mlpipe's iterates follow scikit-learn's closely.
//
// The search is a state machine driven by the caller: start(), then for each trial
// step evaluate f and the directional derivative g at `step()` and call next(f, g)
// until it reports converged or a warning.

#include <algorithm>
#include <cmath>

namespace mlpipe::optim {

enum class LineSearchStatus { evaluate, converged, warning_rounding, warning_xtol, warning_stpmax, warning_stpmin };

template <class Scalar>
class MoreThuente {
public:
    struct Options {
        Scalar ftol = Scalar(1e-3);  // sufficient decrease (Armijo) constant
        Scalar gtol = Scalar(0.9);   // curvature constant
        Scalar xtol = Scalar(0.1);   // relative width of the interval of uncertainty
    };

    MoreThuente() = default;
    explicit MoreThuente(Options options) : opt_(options) {}

    // f0, g0: value and directional derivative (< 0) at step 0; stp: first trial step.
    void start(Scalar f0, Scalar g0, Scalar stp, Scalar stpmin, Scalar stpmax) {
        stp_ = stp;
        stpmin_ = stpmin;
        stpmax_ = stpmax;
        brackt_ = false;
        stage_ = 1;
        finit_ = f0;
        ginit_ = g0;
        gtest_ = opt_.ftol * ginit_;
        width_ = stpmax_ - stpmin_;
        width1_ = width_ / Scalar(0.5);
        stx_ = 0;
        fx_ = finit_;
        gx_ = ginit_;
        sty_ = 0;
        fy_ = finit_;
        gy_ = ginit_;
        stmin_ = 0;
        stmax_ = stp_ + xtrapu * stp_;
    }

    Scalar step() const noexcept { return stp_; }

    // f, g: value and directional derivative at step(). Returns evaluate when a new
    // step() is to be tried.
    LineSearchStatus next(Scalar f, Scalar g) {
        const Scalar ftest = finit_ + stp_ * gtest_;
        if (stage_ == 1 && f <= ftest && g >= 0) stage_ = 2;

        LineSearchStatus status = LineSearchStatus::evaluate;
        if (brackt_ && (stp_ <= stmin_ || stp_ >= stmax_)) status = LineSearchStatus::warning_rounding;
        if (brackt_ && stmax_ - stmin_ <= opt_.xtol * stmax_) status = LineSearchStatus::warning_xtol;
        if (stp_ == stpmax_ && f <= ftest && g <= gtest_) status = LineSearchStatus::warning_stpmax;
        if (stp_ == stpmin_ && (f > ftest || g >= gtest_)) status = LineSearchStatus::warning_stpmin;
        if (f <= ftest && std::abs(g) <= opt_.gtol * (-ginit_)) status = LineSearchStatus::converged;
        if (status != LineSearchStatus::evaluate) return status;

        // In the first stage a modified function (f - stp*gtest) is searched, as long
        // as no step with sufficient decrease and non-negative slope was found.
        if (stage_ == 1 && f <= fx_ && f > ftest) {
            Scalar fm = f - stp_ * gtest_;
            Scalar fxm = fx_ - stx_ * gtest_;
            Scalar fym = fy_ - sty_ * gtest_;
            Scalar gm = g - gtest_;
            Scalar gxm = gx_ - gtest_;
            Scalar gym = gy_ - gtest_;
            cstep(stx_, fxm, gxm, sty_, fym, gym, stp_, fm, gm, brackt_, stmin_, stmax_);
            fx_ = fxm + stx_ * gtest_;
            fy_ = fym + sty_ * gtest_;
            gx_ = gxm + gtest_;
            gy_ = gym + gtest_;
        } else {
            cstep(stx_, fx_, gx_, sty_, fy_, gy_, stp_, f, g, brackt_, stmin_, stmax_);
        }

        // Force a sufficient decrease in the size of the interval of uncertainty.
        if (brackt_) {
            if (std::abs(sty_ - stx_) >= Scalar(0.66) * width1_) stp_ = stx_ + Scalar(0.5) * (sty_ - stx_);
            width1_ = width_;
            width_ = std::abs(sty_ - stx_);
        }
        if (brackt_) {
            stmin_ = std::min(stx_, sty_);
            stmax_ = std::max(stx_, sty_);
        } else {
            stmin_ = stp_ + xtrapl * (stp_ - stx_);
            stmax_ = stp_ + xtrapu * (stp_ - stx_);
        }
        stp_ = std::max(stp_, stpmin_);
        stp_ = std::min(stp_, stpmax_);
        // If no further progress is possible, let stp be the best point obtained.
        if ((brackt_ && (stp_ <= stmin_ || stp_ >= stmax_)) || (brackt_ && stmax_ - stmin_ <= opt_.xtol * stmax_))
            stp_ = stx_;
        return LineSearchStatus::evaluate;
    }

private:
    static constexpr Scalar xtrapl = Scalar(1.1);
    static constexpr Scalar xtrapu = Scalar(4.0);

    // One safeguarded step of the search (dcstep): updates the interval [stx, sty] that
    // contains a step satisfying the conditions, and chooses the next trial step.
    static void cstep(Scalar& stx, Scalar& fx, Scalar& dx, Scalar& sty, Scalar& fy, Scalar& dy, Scalar& stp,
                      Scalar fp, Scalar dp, bool& brackt, Scalar stpmin, Scalar stpmax) {
        const Scalar sgnd = dp * (dx / std::abs(dx));
        Scalar stpf;
        if (fp > fx) {
            // Higher function value: the minimum is bracketed. Cubic or quadratic step.
            Scalar theta = Scalar(3) * (fx - fp) / (stp - stx) + dx + dp;
            Scalar s = std::max({std::abs(theta), std::abs(dx), std::abs(dp)});
            Scalar gamma = s * std::sqrt((theta / s) * (theta / s) - (dx / s) * (dp / s));
            if (stp < stx) gamma = -gamma;
            Scalar p = (gamma - dx) + theta;
            Scalar q = ((gamma - dx) + gamma) + dp;
            Scalar r = p / q;
            Scalar stpc = stx + r * (stp - stx);
            Scalar stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / Scalar(2)) * (stp - stx);
            if (std::abs(stpc - stx) < std::abs(stpq - stx)) stpf = stpc;
            else stpf = stpc + (stpq - stpc) / Scalar(2);
            brackt = true;
        } else if (sgnd < 0) {
            // Derivatives of opposite sign: the minimum is bracketed.
            Scalar theta = Scalar(3) * (fx - fp) / (stp - stx) + dx + dp;
            Scalar s = std::max({std::abs(theta), std::abs(dx), std::abs(dp)});
            Scalar gamma = s * std::sqrt((theta / s) * (theta / s) - (dx / s) * (dp / s));
            if (stp > stx) gamma = -gamma;
            Scalar p = (gamma - dp) + theta;
            Scalar q = ((gamma - dp) + gamma) + dx;
            Scalar r = p / q;
            Scalar stpc = stp + r * (stx - stp);
            Scalar stpq = stp + (dp / (dp - dx)) * (stx - stp);
            if (std::abs(stpc - stp) > std::abs(stpq - stp)) stpf = stpc;
            else stpf = stpq;
            brackt = true;
        } else if (std::abs(dp) < std::abs(dx)) {
            // Same sign, derivative decreases in magnitude.
            Scalar theta = Scalar(3) * (fx - fp) / (stp - stx) + dx + dp;
            Scalar s = std::max({std::abs(theta), std::abs(dx), std::abs(dp)});
            Scalar gamma = s * std::sqrt(std::max(Scalar(0), (theta / s) * (theta / s) - (dx / s) * (dp / s)));
            if (stp > stx) gamma = -gamma;
            Scalar p = (gamma - dp) + theta;
            Scalar q = (gamma + (dx - dp)) + gamma;
            Scalar r = p / q;
            Scalar stpc;
            if (r < 0 && gamma != 0) stpc = stp + r * (stx - stp);
            else if (stp > stx) stpc = stpmax;
            else stpc = stpmin;
            Scalar stpq = stp + (dp / (dp - dx)) * (stx - stp);
            if (brackt) {
                stpf = std::abs(stpc - stp) < std::abs(stpq - stp) ? stpc : stpq;
                if (stp > stx) stpf = std::min(stp + Scalar(0.66) * (sty - stp), stpf);
                else stpf = std::max(stp + Scalar(0.66) * (sty - stp), stpf);
            } else {
                stpf = std::abs(stpc - stp) > std::abs(stpq - stp) ? stpc : stpq;
                stpf = std::min(stpmax, stpf);
                stpf = std::max(stpmin, stpf);
            }
        } else {
            // Same sign, derivative does not decrease: step to the far end or the cubic.
            if (brackt) {
                Scalar theta = Scalar(3) * (fp - fy) / (sty - stp) + dy + dp;
                Scalar s = std::max({std::abs(theta), std::abs(dy), std::abs(dp)});
                Scalar gamma = s * std::sqrt((theta / s) * (theta / s) - (dy / s) * (dp / s));
                if (stp > sty) gamma = -gamma;
                Scalar p = (gamma - dp) + theta;
                Scalar q = ((gamma - dp) + gamma) + dy;
                Scalar r = p / q;
                stpf = stp + r * (sty - stp);
            } else if (stp > stx) {
                stpf = stpmax;
            } else {
                stpf = stpmin;
            }
        }

        if (fp > fx) {
            sty = stp;
            fy = fp;
            dy = dp;
        } else {
            if (sgnd < 0) {
                sty = stx;
                fy = fx;
                dy = dx;
            }
            stx = stp;
            fx = fp;
            dx = dp;
        }
        stp = stpf;
    }

    Options opt_{};
    bool brackt_ = false;
    int stage_ = 1;
    Scalar stp_ = 0, stpmin_ = 0, stpmax_ = 0;
    Scalar finit_ = 0, ginit_ = 0, gtest_ = 0, width_ = 0, width1_ = 0;
    Scalar stx_ = 0, fx_ = 0, gx_ = 0, sty_ = 0, fy_ = 0, gy_ = 0, stmin_ = 0, stmax_ = 0;
};

}  // namespace mlpipe::optim
