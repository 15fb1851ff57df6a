#pragma once
// Boost.Serialization for Pipeline<Steps...>: its input schema and every step in order.

#include <mlpipe/pipeline/pipeline.hpp>
#include <mlpipe/serialization/frame.hpp>

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/version.hpp>

#include <array>
#include <string>

namespace boost::serialization {
template <class... Steps>
struct version<mlpipe::Pipeline<Steps...>> {
    using tag = mpl::integral_c_tag;
    using type = mpl::int_<1>;
    static constexpr int value = 1;
};
}  // namespace boost::serialization

namespace mlpipe::detail {
// XML element names for the steps: step_0, step_1, ... (names must outlive the archive call).
inline const char* step_element_name(std::size_t i) {
    static const std::array<std::string, 32> names = [] {
        std::array<std::string, 32> out;
        for (std::size_t k = 0; k < out.size(); ++k) out[k] = "step_" + std::to_string(k);
        return out;
    }();
    return i < names.size() ? names[i].c_str() : "step";
}
}  // namespace mlpipe::detail

template <class... Steps>
template <class Archive>
void mlpipe::Pipeline<Steps...>::serialize(Archive& archive, unsigned /*version*/) {
    using boost::serialization::make_nvp;
    archive& make_nvp("is_fitted", is_fitted_);
    archive& make_nvp("schema", schema_);
    std::apply(
        [&](auto&... step) {
            std::size_t i = 0;
            ((archive & make_nvp(detail::step_element_name(i++), step)), ...);
        },
        steps_);
}
