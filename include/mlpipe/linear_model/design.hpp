#pragma once
// The model's view of a transformed Frame: numeric columns and one code per row for each
// one-hot column, read where the Frame keeps them. A float32 column is read as it is stored
// and widened when computing in double (the sums stay in double): as it is read in groups of
// four such columns, else a block at a time into a cached buffer; only a float64 column met
// when computing in float is copied (to float). The
// one-hot matrix is never built: its product with the weights is a gather
// (z_i += w[offset + code_i]) and its transpose product a scatter, the same arithmetic as
// multiplying by the 0/1 matrix.
//
// A numeric column may carry an affine map, feature = (x - center) / scale: a StandardScaler
// folded into the design (Pipeline does this), so that no scaled copy of the data is made.
// The passes apply it on the fly: x W becomes (x - center) (W / scale), and X' R is divided by
// the scale after the sum.
//
// Every pass over the rows runs on the shared ThreadPool, cut into blocks of block_rows rows
// whatever the thread count; per-block sums are added in block order, so the results are
// the same bits with 1 thread or 64.
//
// Feature order follows sklearn's ColumnTransformer([("num", ...), ("cat", ...)]):
// numeric columns in frame order, then one-hot blocks in frame order.

#include <mlpipe/detail/huge_page_allocator.hpp>
#include <mlpipe/error.hpp>
#include <mlpipe/frame/codes.hpp>
#include <mlpipe/frame/feature_scaling.hpp>
#include <mlpipe/frame/frame.hpp>
#include <mlpipe/parallel/blocks.hpp>
#include <mlpipe/parallel/thread_pool.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlpipe {

template <class Scalar>
class Design {
public:
    using scalar_type = Scalar;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;
    using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
    using ConstColumn = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

    // Rows per block of every parallel pass: a block's columns stay in the core's cache
    // between the passes of one evaluation (20 double columns: 320 KiB). Part of the
    // arithmetic (the order of sums), so a constant, not a tuning knob.
    static constexpr std::size_t block_rows = 2048;
    // Rows from which the fit's fused passes read narrow one-hot columns in pairs (below: a
    // pass over the codes to pair them would cost more than it saves).
    static constexpr std::size_t pair_min_rows = 8 * block_rows;

    // `who` names the caller in error messages. scalings: affine maps by column name.
    // threads: for the passes, this one included (0: all of the shared pool's).
    static Design build(const Frame& X, const char* who, const FeatureScalings& scalings = {},
                        std::size_t threads = 0) {
        std::vector<const Column*> columns;
        for (const auto& c : X) columns.push_back(&c);
        return build(columns, X.rows(), who, scalings, threads);
    }

    // The columns, all of `rows` length, in frame order.
    static Design build(const std::vector<const Column*>& columns, std::size_t rows, const char* who,
                        const FeatureScalings& scalings = {}, std::size_t threads = 0) {
        Design design;
        design.kept_.reserve(columns.size());
        design.rows_ = static_cast<Eigen::Index>(rows);
        design.threads_ = threads;
        // Reserved: a prediction for a few rows builds a design per call, and growing these
        // vectors one column at a time cost more allocations than the rest of the call.
        std::vector<const Column*> numeric, one_hot;
        numeric.reserve(columns.size());
        one_hot.reserve(columns.size());
        for (const auto* c : columns) {
            if (c->is_numeric())
                numeric.push_back(c);
            else if (c->is_one_hot())
                one_hot.push_back(c);
            else
                throw data_error(std::string(who) + ": column '" + c->name() +
                                 "' is categorical; encode it first (OneHotEncoder in the pipeline before it)");
        }
        design.center_.reserve(numeric.size());
        design.scale_.reserve(numeric.size());
        design.codes_.reserve(one_hot.size());
        design.offsets_.reserve(one_hot.size());
        for (const auto* c : numeric) {
            design.kept_.push_back(*c);  // shares the column's storage: keeps it alive, copies nothing
            FeatureScaling scaling;
            if (auto it = scalings.find(c->name()); it != scalings.end()) scaling = it->second;
            design.center_.push_back(static_cast<Scalar>(scaling.center));
            design.scale_.push_back(static_cast<Scalar>(scaling.scale));
        }
        design.check_finite(numeric, who);
        design.f64_.assign(numeric.size(), nullptr);
        design.f32_.assign(numeric.size(), nullptr);
        std::vector<std::size_t> to_convert;  // float64 columns when computing in float
        for (std::size_t j = 0; j < numeric.size(); ++j) {
            if (numeric[j]->is_float32())
                design.f32_[j] = numeric[j]->values_f32().data();
            else if constexpr (std::is_same_v<Scalar, double>)
                design.f64_[j] = numeric[j]->values().data();
            else
                to_convert.push_back(j);
        }
        if (!to_convert.empty()) {
            design.converted_.resize(to_convert.size());
            ThreadPool::shared().run(
                to_convert.size(),
                [&](std::size_t k) {
                    auto values = numeric[to_convert[k]]->values();
                    design.converted_[k].assign(values.begin(), values.end());
                },
                design.column_threads());
            for (std::size_t k = 0; k < to_convert.size(); ++k) design.f32_[to_convert[k]] = design.converted_[k].data();
        }
        Eigen::Index offset = static_cast<Eigen::Index>(numeric.size());
        for (const auto* c : one_hot) {
            design.kept_.push_back(*c);
            design.codes_.push_back(c->codes());
            design.offsets_.push_back(offset);
            offset += static_cast<Eigen::Index>(c->width());
        }
        design.n_features_ = offset;
        return design;
    }

    Design() = default;
    // Move-only: the float copies are pointed into, and a move keeps their buffers in place.
    Design(const Design&) = delete;
    Design& operator=(const Design&) = delete;
    Design(Design&&) noexcept = default;
    Design& operator=(Design&&) noexcept = default;

    Eigen::Index rows() const noexcept { return rows_; }
    Eigen::Index n_features() const noexcept { return n_features_; }
    Eigen::Index n_numeric() const noexcept { return static_cast<Eigen::Index>(f64_.size()); }
    // Made when asked (by a fit), not by build: a prediction would pay a string per
    // category for names it never reads.
    std::vector<std::string> feature_names() const {
        std::vector<std::string> names;
        names.reserve(static_cast<std::size_t>(n_features_));
        for (std::size_t j = 0; j < kept_.size(); ++j) {
            if (j < f64_.size()) {
                names.push_back(kept_[j].name());
                continue;
            }
            for (const auto& category : kept_[j].dictionary()) names.push_back(kept_[j].name() + "_" + category);
        }
        return names;
    }

    // Threads for the passes (0: all of the shared pool's).
    void set_threads(std::size_t threads) noexcept { threads_ = threads; }
    std::size_t threads() const noexcept { return threads_; }

    // Feature j (numeric) of row i, the affine map applied.
    Scalar value(Eigen::Index i, Eigen::Index j) const noexcept {
        const auto jj = static_cast<std::size_t>(j);
        const Scalar x = f64_[jj] ? static_cast<Scalar>(f64_[jj][i]) : static_cast<Scalar>(f32_[jj][i]);
        return (x - center_[jj]) / scale_[jj];
    }

    // Z = X W + 1 b'   (W: n_features x K, b: 1 x K, Z: n x K)
    template <class W, class B>
    void decision(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept, Matrix& Z) const {
        const Eigen::Index k = weights.cols();
        if (Z.rows() != rows_ || Z.cols() != k) {
            Z.resize(rows_, k);
            detail::advise_huge_pages(Z.data(), static_cast<std::size_t>(Z.size()) * sizeof(Scalar));  // new memory
        }
        const Matrix folded = fold(weights);
        for_blocks([&](RowBlock block) {
            const auto a = static_cast<Eigen::Index>(block.begin), m = static_cast<Eigen::Index>(block.size());
            for (Eigen::Index c = 0; c < k; ++c) {
                auto z = Z.col(c).segment(a, m).array();
                scores(a, m, folded.col(c), intercept(0, c), z);
            }
        });
    }

    // G = X' R   (R: n x K, G: n_features x K)
    template <class G>
    void transpose_times(const Matrix& R, Eigen::MatrixBase<G>& out) const {
        const Eigen::Index k = R.cols();
        const RowBlocks blocks = row_blocks();
        Matrix partial(n_features_ * k, static_cast<Eigen::Index>(blocks.count()));
        run_blocks(blocks, [&](std::size_t b, RowBlock block) {
            const auto a = static_cast<Eigen::Index>(block.begin), m = static_cast<Eigen::Index>(block.size());
            auto g = partial.col(static_cast<Eigen::Index>(b));
            g.setZero();
            for (Eigen::Index c = 0; c < k; ++c) {
                const auto r = R.col(c).segment(a, m).array();
                gradient_block(a, m, r, g.segment(c * n_features_, n_features_));
            }
        });
        const Vector total = sum_columns(partial);
        for (Eigen::Index c = 0; c < k; ++c) out.col(c) = total.segment(c * n_features_, n_features_);
        unscale_gradient(out);
    }

    // The fused pass: scores, loss and gradient of a binary model in one read of the rows.
    // Per block: z = x w + b, then loss(z, y) and r = dloss/dz (BaseLoss, vectorised), then the
    // block's share of X' r and sum(r). Returns the summed (weighted) loss; gradient = X' r
    // (unscaled, n_features) and intercept_gradient = sum(r). A null sample_weight: every weight 1.
    template <class BaseLoss, class W>
    Scalar binary_loss_gradient(const Eigen::MatrixBase<W>& weights, Scalar intercept, const std::int32_t* y,
                                const Scalar* sample_weight, Vector& gradient, Scalar& intercept_gradient) const {
        const RowBlocks blocks = row_blocks();
        // Column b: the block's gradient, then its intercept gradient and its loss.
        Matrix partial(n_features_ + 2, static_cast<Eigen::Index>(blocks.count()));
        const Vector folded = fold(weights);
        run_blocks(blocks, [&](std::size_t b, RowBlock block) {
            const auto a = static_cast<Eigen::Index>(block.begin), m = static_cast<Eigen::Index>(block.size());
            thread_local Array z, r;
            z.resize(m);
            r.resize(m);
            scores(a, m, folded, intercept, z, paired);
            auto out = partial.col(static_cast<Eigen::Index>(b));
            out(n_features_ + 1) =
                BaseLoss::block_loss_gradient(z, y + a, sample_weight ? sample_weight + a : nullptr, r);
            out.head(n_features_).setZero();
            gradient_block(a, m, r, out.head(n_features_), paired);
            out(n_features_) = r.sum();
        });
        const Vector total = sum_columns(partial);
        gradient = total.head(n_features_);
        unscale_gradient(gradient);
        intercept_gradient = total(n_features_);
        return total(n_features_ + 1);
    }

    // The fused pass for K outputs (the multinomial loss): per block the K scores, the loss and
    // R = dloss/dZ (BaseLoss, vectorised), then the block's share of X' R and of R's column
    // sums, in one read of the rows. Returns the summed (weighted) loss; G = X' R
    // (n_features x K), gb = the column sums of R.
    template <class BaseLoss, class W, class B>
        requires(BaseLoss::multiclass)
    Scalar loss_gradient(const Eigen::MatrixBase<W>& weights, const Eigen::MatrixBase<B>& intercept,
                         const std::int32_t* y, const Scalar* sample_weight, Matrix& G, RowVector& gb) const {
        using Block = Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
        const Eigen::Index k = weights.cols(), p = n_features_;
        const RowBlocks blocks = row_blocks();
        // Column b: the block's gradient (p x K, column-major), its K intercept gradients, its loss.
        Matrix partial(p * k + k + 1, static_cast<Eigen::Index>(blocks.count()));
        const Matrix folded = fold(weights);
        run_blocks(blocks, [&](std::size_t b, RowBlock block) {
            const auto a = static_cast<Eigen::Index>(block.begin), m = static_cast<Eigen::Index>(block.size());
            thread_local Block z, r;
            z.resize(m, k);
            r.resize(m, k);
            for (Eigen::Index c = 0; c < k; ++c) scores(a, m, folded.col(c), intercept(0, c), z.col(c), paired);
            auto out = partial.col(static_cast<Eigen::Index>(b));
            out.setZero();
            out(p * k + k) = BaseLoss::block_loss_gradient(z, y + a, sample_weight + a, r);
            for (Eigen::Index c = 0; c < k; ++c) {
                gradient_block(a, m, r.col(c), out.segment(c * p, p), paired);
                out(p * k + c) = r.col(c).sum();
            }
        });
        const Vector total = sum_columns(partial);
        G = Eigen::Map<const Matrix>(total.data(), p, k);
        unscale_gradient(G);
        gb = total.segment(p * k, k).transpose();
        return total(p * k + k);
    }

    // H = X' diag(d) X   (d: n, H: n_features x n_features, symmetric). A one-hot pair of
    // columns contributes d_i where both codes are set, so no dense block is built.
    void weighted_gram(const Vector& d, Matrix& H) const {
        const Eigen::Index q = n_numeric(), p = n_features_;
        // At most 16 partial p x p sums (a fixed number, so the order of sums is too).
        const auto rows = static_cast<std::size_t>(rows_);
        const RowBlocks blocks(rows, std::max(block_rows, (rows + 15) / 16));
        std::vector<Matrix> partial(blocks.count());
        run_blocks(blocks, [&](std::size_t b, RowBlock block) {
            const auto a = static_cast<Eigen::Index>(block.begin), m = static_cast<Eigen::Index>(block.size());
            Matrix& h = partial[b];
            h.setZero(p, p);
            Matrix dense(m, q);
            for (Eigen::Index j = 0; j < q; ++j)
                for (Eigen::Index i = 0; i < m; ++i) dense(i, j) = value(a + i, j);
            if (q > 0) {
                const Matrix scaled = dense.array().colwise() * d.segment(a, m).array();
                h.topLeftCorner(q, q).noalias() = dense.transpose() * scaled;
            }
            for (std::size_t oa = 0; oa < codes_.size(); ++oa) {
                const Eigen::Index offset_a = offsets_[oa];
                const CodeView& code_a = codes_[oa];
                for (Eigen::Index i = 0; i < m; ++i) {
                    const std::int32_t code = code_a[static_cast<std::size_t>(a + i)];
                    if (code < 0) continue;
                    const Eigen::Index col = offset_a + code;
                    const Scalar di = d[a + i];
                    for (Eigen::Index j = 0; j < q; ++j) h(j, col) += di * dense(i, j);
                    for (std::size_t ob = 0; ob <= oa; ++ob) {  // one-hot x one-hot, lower triangle of blocks
                        const std::int32_t code_b = codes_[ob][static_cast<std::size_t>(a + i)];
                        if (code_b >= 0) h(offsets_[ob] + code_b, col) += di;
                    }
                }
            }
        });
        H.setZero(p, p);
        for (const Matrix& h : partial) H += h;
        // Mirror the upper triangle (filled above) into the lower one.
        for (Eigen::Index col = 0; col < p; ++col)
            for (Eigen::Index row = col + 1; row < p; ++row) H(row, col) = H(col, row);
    }

    // Calls visit(feature, value) for each non-zero of row i: numeric values, then a 1 for
    // each one-hot code (stochastic solvers read one row at a time).
    template <class Visit>
    void for_each_nonzero(Eigen::Index i, Visit&& visit) const {
        for (Eigen::Index j = 0; j < n_numeric(); ++j) visit(j, value(i, j));
        for (std::size_t j = 0; j < codes_.size(); ++j) {
            const std::int32_t code = codes_[j][static_cast<std::size_t>(i)];
            if (code >= 0) visit(offsets_[j] + code, Scalar(1));
        }
    }

    // max_i ||x_i||^2, for the step sizes of sag and saga.
    Scalar max_row_squared_norm() const {
        Scalar largest = 0;
        for (Eigen::Index i = 0; i < rows_; ++i) {
            Scalar norm = 0;
            for (Eigen::Index j = 0; j < n_numeric(); ++j) norm += value(i, j) * value(i, j);
            for (const CodeView& codes : codes_) norm += codes[static_cast<std::size_t>(i)] >= 0 ? Scalar(1) : Scalar(0);
            largest = std::max(largest, norm);
        }
        return largest;
    }

    // What other backends' designs copy: the numeric features as a dense rows x n_numeric
    // matrix (the affine map applied), and each one-hot column's codes and width.
    Matrix dense_numeric() const {
        Matrix dense(rows_, n_numeric());
        ThreadPool::shared().run(
            f64_.size(),
            [&](std::size_t j) {
                // value(i, j) a column at a time, vectorised: the same (x - center) / scale.
                auto out = dense.col(static_cast<Eigen::Index>(j)).array();
                if (f64_[j])
                    out = (Eigen::Map<const Eigen::ArrayXd>(f64_[j], rows_).template cast<Scalar>() - center_[j]) /
                          scale_[j];
                else
                    out = (Eigen::Map<const Eigen::ArrayXf>(f32_[j], rows_).template cast<Scalar>() - center_[j]) /
                          scale_[j];
            },
            column_threads());
        return dense;
    }
    // Each one-hot column's codes, in the narrowest type that holds its categories.
    const std::vector<CodeView>& one_hot_codes() const noexcept { return codes_; }
    std::vector<std::size_t> one_hot_widths() const {
        std::vector<std::size_t> widths;
        for (std::size_t j = 0; j < offsets_.size(); ++j)
            widths.push_back(static_cast<std::size_t>((j + 1 < offsets_.size() ? offsets_[j + 1] : n_features_) -
                                                      offsets_[j]));
        return widths;
    }

    // Prepares the fused passes of a fit (LogisticRegression.fit calls it; a prediction's design
    // has no use for it): from pair_min_rows rows on, pairs neighbouring one-hot columns with
    // few categories, which the fused passes then read as one column of pair codes (see
    // CodePair below). A pass over the codes and a byte a row per pair; does nothing the second time.
    void pair_one_hot_columns() {
        if (static_cast<std::size_t>(rows_) < pair_min_rows || !pairs_.empty()) return;
        const auto width = [&](std::size_t j) { return static_cast<std::size_t>(one_hot_end(j) - offsets_[j]); };
        std::vector<std::size_t> unpaired;
        for (std::size_t j = 0; j < codes_.size();) {
            if (j + 1 < codes_.size() && (width(j) + 1) * (width(j + 1) + 1) <= max_pair_codes) {
                pairs_.push_back({j, width(j + 1) + 1, (width(j) + 1) * (width(j + 1) + 1),
                                  std::vector<std::uint8_t>(static_cast<std::size_t>(rows_))});
                j += 2;
            } else {
                unpaired.push_back(j);
                j += 1;
            }
        }
        if (pairs_.empty()) return;
        unpaired_ = std::move(unpaired);
        for (CodePair& pair : pairs_) {
            with_code_type(codes_[pair.column].type(), [&]<class First>() {
                with_code_type(codes_[pair.column + 1].type(), [&]<class Second>() {
                    const First* first = static_cast<const First*>(codes_[pair.column].data());
                    const Second* second = static_cast<const Second*>(codes_[pair.column + 1].data());
                    std::uint8_t* out = pair.codes.data();
                    const std::size_t stride = pair.stride;
                    for_blocks([&](RowBlock block) {
                        for (std::size_t i = block.begin; i < block.end; ++i)
                            out[i] = static_cast<std::uint8_t>((static_cast<std::size_t>(first[i] + 1)) * stride +
                                                               static_cast<std::size_t>(second[i] + 1));
                    });
                });
            });
        }
    }

    // The one-hot columns that the fused passes read paired: the first of each pair (its
    // partner is the next column). Empty before pair_one_hot_columns, or when none pair.
    std::vector<std::size_t> one_hot_pairs() const {
        std::vector<std::size_t> firsts;
        for (const CodePair& pair : pairs_) firsts.push_back(pair.column);
        return firsts;
    }

    // The one-hot part of the passes, for other backends' designs built on this one (their
    // dense products elsewhere, these loops here).
    // z[i] += w[offset_j + code_ij] for rows [a, a + m) (w: n_features weights, z: m scores),
    // column after column for each row (up to four columns in one loop: z is read and written
    // once for them, in the same order of additions as one column at a time).
    template <class Z>
    void add_one_hot_scores(Eigen::Index a, Eigen::Index m, const Scalar* w, Z&& z) const {
        in_one_hot_groups(
            [&]<std::size_t K, class Code>(std::size_t j) { add_one_hot_scores_of<K, Code>(j, a, m, w, z); });
    }

    // g[offset_j + code_ij] += r[i] for rows [a, a + m) (g: n_features sums, r: m residuals).
    // The scatter goes into four interleaved copies of a column's sums (row i into copy i mod
    // 4), added in a fixed order at the end: rows of one category one after the other no
    // longer wait for each other's store. Up to four columns in one loop, r read once for them.
    template <class R>
    void add_one_hot_gradient(Eigen::Index a, Eigen::Index m, const R& r, Scalar* g) const {
        in_one_hot_groups(
            [&]<std::size_t K, class Code>(std::size_t j) { add_one_hot_gradient_of<K, Code>(j, a, m, r, g); });
    }

private:
    RowBlocks row_blocks() const noexcept { return RowBlocks(static_cast<std::size_t>(rows_), block_rows); }

    // Calls f.template operator()<K, Code>(j) for the one-hot columns [j, j + K), in groups of
    // up to four (K a constant, so the loops over a group unroll) whose codes are all stored as
    // Code. Columns are grouped only while their categories are few: the scatter keeps four
    // copies of a group's sums per thread.
    static constexpr Eigen::Index max_grouped_width = 4096;

    // Columns [begin, end); all of them by default.
    template <class F>
    void in_one_hot_groups(F&& f, std::size_t begin = 0, std::size_t end = static_cast<std::size_t>(-1)) const {
        const std::size_t n = std::min(end, codes_.size());
        for (std::size_t j = begin; j < n;) {
            std::size_t k = std::min<std::size_t>(4, n - j);
            for (std::size_t l = 1; l < k; ++l)
                if (codes_[j + l].type() != codes_[j].type()) k = l;  // ends at the first other type
            if (one_hot_end(j + k - 1) - offsets_[j] > max_grouped_width) k = 1;
            with_code_type(codes_[j].type(), [&]<class Code>() {
                switch (k) {
                    case 4: f.template operator()<4, Code>(j); break;
                    case 3: f.template operator()<3, Code>(j); break;
                    case 2: f.template operator()<2, Code>(j); break;
                    default: f.template operator()<1, Code>(j); break;
                }
            });
            j += k;
        }
    }

    // One-hot columns [j, j + K) of add_one_hot_scores.
    template <std::size_t K, class Code, class Z>
    void add_one_hot_scores_of(std::size_t j, Eigen::Index a, Eigen::Index m, const Scalar* w, Z& z) const {
        const Code* code[K];
        const Scalar* weights[K];
        for (std::size_t k = 0; k < K; ++k) {
            code[k] = static_cast<const Code*>(codes_[j + k].data()) + a;
            weights[k] = w + offsets_[j + k];
        }
        for (Eigen::Index i = 0; i < m; ++i) {
            Scalar zi = z[i];
            for (std::size_t k = 0; k < K; ++k)
                if (code[k][i] >= 0) zi += weights[k][code[k][i]];
            z[i] = zi;
        }
    }

    // One-hot columns [j, j + K) of add_one_hot_gradient.
    template <std::size_t K, class Code, class R>
    void add_one_hot_gradient_of(std::size_t j, Eigen::Index a, Eigen::Index m, const R& r, Scalar* g) const {
        thread_local std::vector<Scalar> sums;
        const Code* code[K];
        Scalar* copies[K];
        std::size_t width[K];
        std::size_t total = 0;
        for (std::size_t k = 0; k < K; ++k) {
            code[k] = static_cast<const Code*>(codes_[j + k].data()) + a;
            width[k] = static_cast<std::size_t>(one_hot_end(j + k) - offsets_[j + k]);
            total += 4 * width[k];
        }
        sums.assign(total, Scalar(0));
        for (std::size_t k = 0, at = 0; k < K; at += 4 * width[k], ++k) copies[k] = sums.data() + at;
        for (Eigen::Index i = 0; i < m; ++i) {
            const Scalar ri = r[i];
            const std::size_t copy = static_cast<std::size_t>(i & 3);
            for (std::size_t k = 0; k < K; ++k)
                if (code[k][i] >= 0) copies[k][copy * width[k] + static_cast<std::size_t>(code[k][i])] += ri;
        }
        for (std::size_t k = 0; k < K; ++k) {
            const Scalar* c = copies[k];
            const std::size_t n = width[k];
            Scalar* out = g + offsets_[j + k];
            for (std::size_t l = 0; l < n; ++l) out[l] += (c[l] + c[n + l]) + (c[2 * n + l] + c[3 * n + l]);
        }
    }

    // The fit's fused passes read two neighbouring one-hot columns with few categories as one
    // column of pair codes, (c_j + 1) * stride + (c_{j+1} + 1) with stride = width_{j+1} + 1
    // (0 for no category): one gather and one scatter for the two, into a table of the pair's
    // sums (5 ten-level columns: 6.1 to 3.1 ns a row for the one-hot part of a pass). Made by
    // pair_one_hot_columns() for a fit, from pair_min_rows rows on, for the fused passes only:
    // they add the two weights first, so scores come out with other last bits than a column
    // at a time, and predictions keep the bits they have whatever the number of rows.
    enum OneHotReading { unpaired, paired };
    static constexpr std::size_t max_pair_codes = 256;  // a byte per row

    struct CodePair {
        std::size_t column = 0;  // one-hot columns column and column + 1
        std::size_t stride = 0;  // width of column + 1, plus one
        std::size_t size = 0;    // pair codes: (width of column + 1) * stride
        std::vector<std::uint8_t> codes;
    };

    // Calls f.template operator()<K>(p) for the pairs [p, p + K), in groups of up to four.
    template <class F>
    void in_pair_groups(F&& f) const {
        for (std::size_t p = 0; p < pairs_.size();) {
            const std::size_t k = std::min<std::size_t>(4, pairs_.size() - p);
            switch (k) {
                case 4: f.template operator()<4>(p); break;
                case 3: f.template operator()<3>(p); break;
                case 2: f.template operator()<2>(p); break;
                default: f.template operator()<1>(p); break;
            }
            p += k;
        }
    }

    // add_one_hot_scores with the pairs: z[i] += t[pair code], t[(a + 1) stride + (b + 1)] =
    // w_a + w_b (a missing code's weight 0); the columns in no pair as add_one_hot_scores reads
    // them (neighbours in groups of up to four).
    template <class Z>
    void add_paired_scores(Eigen::Index a, Eigen::Index m, const Scalar* w, Z& z) const {
        in_pair_groups([&]<std::size_t K>(std::size_t p) {
            Scalar tables[K][max_pair_codes];
            const std::uint8_t* code[K];
            for (std::size_t k = 0; k < K; ++k) {
                const CodePair& pair = pairs_[p + k];
                const Scalar* w0 = w + offsets_[pair.column];
                const Scalar* w1 = w + offsets_[pair.column + 1];
                for (std::size_t l = 0; l < pair.size; ++l) {
                    const std::size_t c0 = l / pair.stride, c1 = l % pair.stride;
                    tables[k][l] = (c0 > 0 ? w0[c0 - 1] : Scalar(0)) + (c1 > 0 ? w1[c1 - 1] : Scalar(0));
                }
                code[k] = pair.codes.data() + a;
            }
            for (Eigen::Index i = 0; i < m; ++i) {
                Scalar zi = z[i];
                for (std::size_t k = 0; k < K; ++k) zi += tables[k][code[k][i]];
                z[i] = zi;
            }
        });
        in_unpaired_groups(
            [&]<std::size_t K, class Code>(std::size_t j) { add_one_hot_scores_of<K, Code>(j, a, m, w, z); });
    }

    // add_one_hot_gradient with the pairs: the scatter into four interleaved copies of each
    // pair's table of sums, then each entry added to its two categories' gradients.
    template <class R>
    void add_paired_gradient(Eigen::Index a, Eigen::Index m, const R& r, Scalar* g) const {
        in_pair_groups([&]<std::size_t K>(std::size_t p) {
            thread_local std::vector<Scalar> sums;
            const std::uint8_t* code[K];
            Scalar* copies[K];
            std::size_t size[K];
            std::size_t total = 0;
            for (std::size_t k = 0; k < K; ++k) {
                size[k] = pairs_[p + k].size;
                total += 4 * size[k];
            }
            sums.assign(total, Scalar(0));
            for (std::size_t k = 0, at = 0; k < K; at += 4 * size[k], ++k) {
                code[k] = pairs_[p + k].codes.data() + a;
                copies[k] = sums.data() + at;
            }
            for (Eigen::Index i = 0; i < m; ++i) {
                const Scalar ri = r[i];
                const std::size_t copy = static_cast<std::size_t>(i & 3);
                for (std::size_t k = 0; k < K; ++k) copies[k][copy * size[k] + code[k][i]] += ri;
            }
            for (std::size_t k = 0; k < K; ++k) {
                const CodePair& pair = pairs_[p + k];
                const Scalar* c = copies[k];
                const std::size_t n = pair.size;
                Scalar* g0 = g + offsets_[pair.column];
                Scalar* g1 = g + offsets_[pair.column + 1];
                for (std::size_t l = 0; l < n; ++l) {
                    const std::size_t c0 = l / pair.stride, c1 = l % pair.stride;
                    const Scalar sum = (c[l] + c[n + l]) + (c[2 * n + l] + c[3 * n + l]);
                    if (c0 > 0) g0[c0 - 1] += sum;
                    if (c1 > 0) g1[c1 - 1] += sum;
                }
            }
        });
        in_unpaired_groups(
            [&]<std::size_t K, class Code>(std::size_t j) { add_one_hot_gradient_of<K, Code>(j, a, m, r, g); });
    }

    // in_one_hot_groups over each run of neighbouring columns in no pair.
    template <class F>
    void in_unpaired_groups(F&& f) const {
        for (std::size_t k = 0; k < unpaired_.size();) {
            std::size_t run = 1;
            while (k + run < unpaired_.size() && unpaired_[k + run] == unpaired_[k] + run) ++run;
            in_one_hot_groups(f, unpaired_[k], unpaired_[k] + run);
            k += run;
        }
    }

    // One past the last feature of one-hot column j.
    Eigen::Index one_hot_end(std::size_t j) const noexcept {
        return j + 1 < offsets_.size() ? offsets_[j + 1] : n_features_;
    }

    template <class Task>
    void run_blocks(const RowBlocks& blocks, Task&& task) const {
        ThreadPool::shared().run(
            blocks.count(), [&](std::size_t b) { task(b, blocks[b]); }, threads_);
    }
    template <class Task>
    void for_blocks(Task&& task) const {
        run_blocks(row_blocks(), [&](std::size_t, RowBlock block) { task(block); });
    }

    // Sum of the columns, left to right: the fixed reduction order.
    static Vector sum_columns(const Matrix& partial) {
        Vector total = Vector::Zero(partial.rows());
        for (Eigen::Index b = 0; b < partial.cols(); ++b) total += partial.col(b);
        return total;
    }

    // The weights the raw numeric values meet: w_j / scale_j (one-hot rows as they are).
    template <class W>
    Matrix fold(const Eigen::MatrixBase<W>& weights) const {
        Matrix folded = weights;
        for (Eigen::Index j = 0; j < n_numeric(); ++j)
            if (scale_[static_cast<std::size_t>(j)] != Scalar(1)) folded.row(j) /= scale_[static_cast<std::size_t>(j)];
        return folded;
    }

    template <class G>
    void unscale_gradient(Eigen::MatrixBase<G>& gradient) const {
        for (Eigen::Index j = 0; j < n_numeric(); ++j)
            if (scale_[static_cast<std::size_t>(j)] != Scalar(1))
                gradient.row(j) /= scale_[static_cast<std::size_t>(j)];
    }

    // Calls f with rows [a, a + m) of numeric column j as an array expression of Scalar:
    // the stored values, widened from float32 when computing in double.
    template <class F>
    void with_rows(std::size_t j, Eigen::Index a, Eigen::Index m, F&& f) const {
        using Floats = Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, 1>>;
        if constexpr (std::is_same_v<Scalar, float>) {
            f(Floats(f32_[j] + a, m));
        } else if (f64_[j]) {
            f(ConstColumn(f64_[j] + a, m));
        } else {
            // Widened into a buffer first: Eigen vectorises the cast as an assignment, but a
            // reduction over a cast expression (the gradient's sums) runs one scalar at a time.
            thread_local Array widened;
            widened = Floats(f32_[j] + a, m).template cast<Scalar>();
            f(std::as_const(widened));
        }
    }

    // Asks the memory system for rows [a, a + m) of numeric column j. A block's columns are
    // many short streams (8-16 KiB each, a new 4 KiB page every few hundred rows), which the
    // hardware prefetcher follows poorly: scores() fetches the next column while computing
    // on this one, so the pass waits less on memory.
    void prefetch_rows(std::size_t j, Eigen::Index a, Eigen::Index m) const noexcept {
        const char* begin = f64_[j] ? reinterpret_cast<const char*>(f64_[j] + a)
                                    : reinterpret_cast<const char*>(f32_[j] + a);
        const std::size_t bytes = static_cast<std::size_t>(m) * (f64_[j] ? sizeof(double) : sizeof(float));
        for (std::size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(begin + offset, 0, 3);
    }

    // z = (x - center) w_folded + b for rows [a, a + m).
    // one_hot: how to read the one-hot columns (the fit's fused passes read them paired).
    template <class Weights, class Out>
    void scores(Eigen::Index a, Eigen::Index m, const Weights& folded, Scalar intercept, Out&& z,
                OneHotReading one_hot = unpaired) const {
        z.setConstant(intercept);
        const std::size_t q = f64_.size();
        for (std::size_t j = 0; j < q; j += 1) {
            // Four columns stored in the computing type at once: z is read and written once per
            // four columns. The terms are added to z in column order, as one column at a time
            // would add them, so the bits are the same (x - 0 is x).
            if (j + 4 <= q && stored_as_scalar(j) && stored_as_scalar(j + 1) && stored_as_scalar(j + 2) &&
                stored_as_scalar(j + 3)) {
                for (std::size_t k = j + 4; k < std::min(q, j + 8); ++k) prefetch_rows(k, a, m);
                const ConstColumn x0(scalar_data(j) + a, m), x1(scalar_data(j + 1) + a, m),
                    x2(scalar_data(j + 2) + a, m), x3(scalar_data(j + 3) + a, m);
                const auto w = [&](std::size_t k) { return folded(static_cast<Eigen::Index>(k)); };
                z = z + (x0 - center_[j]) * w(j) + (x1 - center_[j + 1]) * w(j + 1) +
                    (x2 - center_[j + 2]) * w(j + 2) + (x3 - center_[j + 3]) * w(j + 3);
                j += 3;
                continue;
            }
            if constexpr (std::is_same_v<Scalar, double>) {
                if (j + 4 <= q && stored_as<float>(j, 4)) {
                    for (std::size_t k = j + 4; k < std::min(q, j + 8); ++k) prefetch_rows(k, a, m);
                    add_float32_scores4(j, a, m, folded, z.data());
                    j += 3;
                    continue;
                }
            }
            if (j + 1 < q) prefetch_rows(j + 1, a, m);
            const Scalar w = folded(static_cast<Eigen::Index>(j));
            with_rows(j, a, m, [&](const auto& x) { z += (x - center_[j]) * w; });
        }
        if (one_hot == paired && !pairs_.empty())
            add_paired_scores(a, m, folded.data(), z);
        else
            add_one_hot_scores(a, m, folded.data(), z);
    }

    // z[i] += (x_k[a + i] - center_k) w_k for the four float32 columns k = j .. j + 3, widened
    // as they are read: a loop that GCC and clang vectorise at -O3 (Eigen 3.4 vectorises no
    // float-to-double cast, and a widened copy costs more than it saves). The terms are added
    // in column order, and under clang nothing is fused into an FMA, as Eigen's padd(pmul())
    // is not, so the bits are those of float64 storage of the same values (a test checks).
    template <class Weights>
    void add_float32_scores4(std::size_t j, Eigen::Index a, Eigen::Index m, const Weights& folded,
                             double* __restrict z) const {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
        const float* __restrict x0 = f32_[j] + a;
        const float* __restrict x1 = f32_[j + 1] + a;
        const float* __restrict x2 = f32_[j + 2] + a;
        const float* __restrict x3 = f32_[j + 3] + a;
        const double c0 = center_[j], c1 = center_[j + 1], c2 = center_[j + 2], c3 = center_[j + 3];
        const auto w = [&](std::size_t k) { return static_cast<double>(folded(static_cast<Eigen::Index>(k))); };
        const double w0 = w(j), w1 = w(j + 1), w2 = w(j + 2), w3 = w(j + 3);
        for (Eigen::Index i = 0; i < m; ++i)
            z[i] = z[i] + (static_cast<double>(x0[i]) - c0) * w0 + (static_cast<double>(x1[i]) - c1) * w1 +
                   (static_cast<double>(x2[i]) - c2) * w2 + (static_cast<double>(x3[i]) - c3) * w3;
    }

    // Whether numeric column j is stored in Scalar (read in place, no widening), and where.
    bool stored_as_scalar(std::size_t j) const noexcept {
        if constexpr (std::is_same_v<Scalar, double>)
            return f64_[j] != nullptr;
        else
            return true;
    }
    const Scalar* scalar_data(std::size_t j) const noexcept {
        if constexpr (std::is_same_v<Scalar, double>)
            return f64_[j];
        else
            return f32_[j];
    }

    // g += X_block' r before the division by the scales: sum_i r_i (x_ij - center_j) for the
    // numeric features, a scatter for the one-hot ones.
    template <class R, class G>
    void gradient_block(Eigen::Index a, Eigen::Index m, const R& r, G&& g, OneHotReading one_hot = unpaired) const {
        const std::size_t q = f64_.size();
        for (std::size_t j = 0; j < q; ++j) {
            // Four columns of the same storage at once; a column at a time otherwise.
            if (j + 4 <= q && (stored_as<double>(j, 4) || stored_as<float>(j, 4))) {
                Scalar sums[4];
                if constexpr (std::is_same_v<Scalar, double>) {
                    if (f64_[j] != nullptr)
                        centered_sums4(f64_.data() + j, center_.data() + j, a, m, r.data(), sums);
                    else
                        centered_sums4(f32_.data() + j, center_.data() + j, a, m, r.data(), sums);
                } else {
                    centered_sums4(f32_.data() + j, center_.data() + j, a, m, r.data(), sums);  // f64_ is unused
                }
                for (std::size_t k = 0; k < 4; ++k) g(static_cast<Eigen::Index>(j + k)) += sums[k];
                j += 3;
                continue;
            }
            with_rows(j, a, m, [&](const auto& x) { g(static_cast<Eigen::Index>(j)) += ((x - center_[j]) * r).sum(); });
        }
        if (one_hot == paired && !pairs_.empty())
            add_paired_gradient(a, m, r, &g(0));
        else if (!codes_.empty())
            add_one_hot_gradient(a, m, r, &g(0));
    }

    // Whether numeric columns [j, j + count) are all stored as T.
    template <class T>
    bool stored_as(std::size_t j, std::size_t count) const noexcept {
        for (std::size_t k = j; k < j + count; ++k) {
            if constexpr (std::is_same_v<T, double>) {
                if (f64_[k] == nullptr) return false;
            } else {
                if (f64_[k] != nullptr) return false;
            }
        }
        return true;
    }

    // sums[k] = sum_i (x_k[a + i] - center[k]) r[i], i < m, for four columns at once, so that
    // r is read once for the four. Each sum runs in `lanes` interleaved partial sums (row i
    // into lane i mod lanes) added pairwise at the end: independent chains that the compiler
    // keeps in vector registers, where one running sum would wait on every addition. A fixed
    // order, so the same bits on any thread. float storage is widened as it is read.
    template <class T>
    static void centered_sums4(const T* const* x, const Scalar* center, Eigen::Index a, Eigen::Index m,
                               const Scalar* r, Scalar* sums) noexcept {
        constexpr Eigen::Index lanes = 8;
        using Lanes = Eigen::Array<Scalar, lanes, 1>;
        using StoredLanes = Eigen::Map<const Eigen::Array<T, lanes, 1>>;
        const auto load = [](const T* p) {
            if constexpr (std::is_same_v<T, Scalar>)
                return StoredLanes(p);
            else
                return StoredLanes(p).template cast<Scalar>();
        };
        const T* x0 = x[0] + a;
        const T* x1 = x[1] + a;
        const T* x2 = x[2] + a;
        const T* x3 = x[3] + a;
        const Scalar c0 = center[0], c1 = center[1], c2 = center[2], c3 = center[3];
        Lanes s0 = Lanes::Zero(), s1 = Lanes::Zero(), s2 = Lanes::Zero(), s3 = Lanes::Zero();
        Eigen::Index i = 0;
        for (; i + lanes <= m; i += lanes) {
            const Eigen::Map<const Lanes> ri(r + i);
            s0 += (load(x0 + i) - c0) * ri;
            s1 += (load(x1 + i) - c1) * ri;
            s2 += (load(x2 + i) - c2) * ri;
            s3 += (load(x3 + i) - c3) * ri;
        }
        for (Eigen::Index l = 0; i < m; ++i, ++l) {
            const Scalar ri = r[i];
            s0(l) += (static_cast<Scalar>(x0[i]) - c0) * ri;
            s1(l) += (static_cast<Scalar>(x1[i]) - c1) * ri;
            s2(l) += (static_cast<Scalar>(x2[i]) - c2) * ri;
            s3(l) += (static_cast<Scalar>(x3[i]) - c3) * ri;
        }
        const auto total = [](const Lanes& s) { return ((s(0) + s(1)) + (s(2) + s(3))) + ((s(4) + s(5)) + (s(6) + s(7))); };
        sums[0] = total(s0);
        sums[1] = total(s1);
        sums[2] = total(s2);
        sums[3] = total(s3);
    }

    // Threads for a pass column by column: one unless the columns are long, so that a
    // prediction on a few rows (an endpoint's request) never wakes the pool.
    std::size_t column_threads() const noexcept {
        return static_cast<std::size_t>(rows_) < 4 * block_rows ? 1 : threads_;
    }

    // The first index of an infinite or NaN value, or -1 (as size_t). A chunk at a time, in
    // vectorised sums: x * 0 is 0 for a finite x and NaN otherwise, so a chunk's sum of them is
    // NaN exactly when it holds such a value, and only that chunk is searched. (Code built with
    // -ffinite-math-only may drop this check, as it may drop std::isfinite.)
    template <class T>
    static std::size_t first_non_finite(std::span<const T> values) noexcept {
        constexpr std::size_t chunk = 1024;
        for (std::size_t start = 0; start < values.size(); start += chunk) {
            const std::size_t n = std::min(chunk, values.size() - start);
            const Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> part(values.data() + start,
                                                                            static_cast<Eigen::Index>(n));
            if (!std::isnan((part * T(0)).sum())) continue;
            for (std::size_t i = start; i < start + n; ++i)
                if (!std::isfinite(values[i])) return i;
        }
        return static_cast<std::size_t>(-1);
    }

    void check_finite(const std::vector<const Column*>& numeric, const char* who) const {
        std::vector<std::size_t> bad_row(numeric.size(), static_cast<std::size_t>(-1));
        ThreadPool::shared().run(
            numeric.size(),
            [&](std::size_t j) {
                if (numeric[j]->known_finite()) return;  // read_csv checked its numbers as it parsed them
                numeric[j]->visit_values([&](auto values) { bad_row[j] = first_non_finite(values); });
            },
            column_threads());
        for (std::size_t j = 0; j < numeric.size(); ++j) {
            if (bad_row[j] == static_cast<std::size_t>(-1)) continue;
            const double v = numeric[j]->value(bad_row[j]);
            if (std::isnan(v))
                throw data_error(std::string(who) + ": column '" + numeric[j]->name() +
                                 "' has a missing value (NaN) in row " + std::to_string(bad_row[j]) +
                                 "; impute it or drop the row first");
            throw data_error(std::string(who) + ": column '" + numeric[j]->name() + "' has an infinite value in row " +
                             std::to_string(bad_row[j]));
        }
    }

    Eigen::Index rows_ = 0;
    std::vector<Column> kept_;                    // the columns read, sharing their storage
    std::vector<std::vector<float>> converted_;   // float copies of float64 columns (Scalar = float)
    // One pointer per numeric column, rows_ values: f64_ to float64 storage (Scalar = double
    // only), else f32_ to float32 storage (the column's, or converted_).
    std::vector<const double*> f64_;
    std::vector<const float*> f32_;
    std::vector<Scalar> center_, scale_;          // the affine map of each numeric column
    std::vector<CodeView> codes_;                 // each one-hot column's codes, -1 = no category
    std::vector<Eigen::Index> offsets_;           // first feature of each one-hot column
    std::vector<CodePair> pairs_;                 // the fused passes' pairs of one-hot columns
    std::vector<std::size_t> unpaired_;           // the one-hot columns in no pair (when pairs_ has some)
    Eigen::Index n_features_ = 0;
    std::size_t threads_ = 0;
};

}  // namespace mlpipe
