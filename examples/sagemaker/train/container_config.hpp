#pragma once
// The job description SageMaker writes under /opt/ml/input/config: how each channel is
// delivered (inputdataconfig.json) and which hosts run the job (resourceconfig.json).
// Both files are optional (local runs); what they ask for must be something this program
// can do, or the job fails early with the reason.

#include "../common/json_text.hpp"
#include "../common/message_limits.hpp"
#include "../common/text.hpp"

#include <mlpipe/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe::sagemaker {

// `text` parsed; `source` names it in messages. Nesting beyond max_json_nesting is refused.
inline std::optional<nlohmann::json> parse_json_text(const std::string& text, const std::string& source) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
    if (nesting_deeper_than(text, max_json_nesting))
        throw error(source + " nests JSON arrays and objects more than " + std::to_string(max_json_nesting) +
                    " levels deep");
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw error(source + " is not valid JSON (" + e.what() + ")");
    }
}

// A config file that is missing gives nullopt; one that cannot be read or parsed is an error.
inline std::optional<nlohmann::json> read_json_file(const std::filesystem::path& path) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) return std::nullopt;
    if (std::filesystem::is_directory(path, ignored)) throw error(path.string() + " is a directory, expected a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error("cannot open " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    const auto parsed = parse_json_text(text.str(), path.string());
    if (!parsed) throw error(path.string() + " is empty; it must hold a JSON object");
    return parsed;
}

struct ChannelConfig {
    std::string name;
    std::string content_type;  // "" when not given
    std::string input_mode;    // File, FastFile or Pipe; "" when not given
    std::string distribution;  // FullyReplicated or ShardedByS3Key; "" when not given
    // ContentType text/csv;label_size=1 (the convention of SageMaker's built-in algorithms,
    // XGBoost and Linear Learner): no header row, the label in the first column.
    bool label_first = false;
};

namespace detail::container_config {

inline std::string string_field(const nlohmann::json& object, const char* field, const std::string& where) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return "";
    if (!it->is_string()) throw error(where + ": " + field + " must be a string, got " + describe_json_value(*it));
    return it->get<std::string>();
}

// One parameter of a media type ("label_size=1"): the name in lower case, the value with
// blanks and the quotes of a quoted string removed.
struct MediaTypeParameter {
    std::string name;
    std::string value;
    bool has_value = false;
};

// The parameters after the media type, split at the semicolons outside quotes; empty ones
// ("text/csv;") are left out.
inline std::vector<MediaTypeParameter> media_type_parameters(std::string_view content_type) {
    std::vector<MediaTypeParameter> parameters;
    std::vector<std::string_view> parts;
    bool quoted = false;
    std::size_t start = content_type.find(';');
    if (start == std::string_view::npos) return parameters;
    ++start;
    for (std::size_t at = start; at <= content_type.size(); ++at) {
        if (at < content_type.size() && content_type[at] == '"') quoted = !quoted;
        if (at == content_type.size() || (content_type[at] == ';' && !quoted)) {
            parts.push_back(content_type.substr(start, at - start));
            start = at + 1;
        }
    }
    for (const std::string_view part : parts) {
        const std::string_view text = trim(part);
        if (text.empty()) continue;
        const std::size_t equals = text.find('=');
        MediaTypeParameter parameter{to_lower(trim(text.substr(0, equals))), "", equals != std::string_view::npos};
        if (parameter.has_value) {
            std::string_view value = trim(text.substr(equals + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            parameter.value = std::string(value);
        }
        parameters.push_back(std::move(parameter));
    }
    return parameters;
}

// "text/csv", optionally with parameters ("text/csv; charset=utf-8"), in any case.
inline bool is_csv_media_type(std::string_view content_type) {
    return to_lower(trim(content_type.substr(0, content_type.find(';')))) == "text/csv";
}

// Whether a text/csv ContentType asks for label_size=1 (the label first, no header row).
// Other parameters (charset) are ignored, as before; label_size other than 1 is refused.
inline bool label_first(const std::string& content_type, const std::string& where) {
    bool found = false;
    for (const auto& parameter : media_type_parameters(content_type)) {
        if (parameter.name != "label_size") continue;
        if (found)
            throw error(where + ": ContentType " + quoted_excerpt(content_type) +
                        " gives label_size more than once; give it once, as label_size=1");
        found = true;
        if (parameter.value != "1")
            throw error(
                where + ": ContentType " + quoted_excerpt(content_type) + " has label_size" +
                (parameter.has_value ? " " + quoted_excerpt(parameter.value) : std::string(" without a value")) +
                ", which is not supported: this container reads one label column, either first in "
                "each row with no header row (text/csv;label_size=1) or named in a header row "
                "(text/csv)");
    }
    return found;
}

}  // namespace detail::container_config

// Checks every channel of inputdataconfig.json (source names the file in messages).
inline std::vector<ChannelConfig> parse_input_data_config(const nlohmann::json& config, const std::string& source) {
    using namespace detail::container_config;
    if (!config.is_object()) throw error(source + " must hold a JSON object with one entry per channel");
    std::vector<ChannelConfig> channels;
    for (const auto& [name, entry] : config.items()) {
        const std::string where = source + ", channel " + quoted_excerpt(name);
        if (!entry.is_object()) throw error(where + ": expected a JSON object, got " + describe_json_value(entry));
        ChannelConfig channel{name, string_field(entry, "ContentType", where),
                              string_field(entry, "TrainingInputMode", where),
                              string_field(entry, "S3DistributionType", where)};
        if (!channel.content_type.empty() && !is_csv_media_type(channel.content_type))
            throw error(where + ": ContentType " + quoted_excerpt(channel.content_type) +
                        " is not supported; this container reads CSV files with a header row: set "
                        "content_type='text/csv' on the channel's TrainingInput (or "
                        "'text/csv;label_size=1' for files without a header, the label in the first column)");
        if (!channel.content_type.empty()) channel.label_first = label_first(channel.content_type, where);
        if (channel.input_mode == "Pipe")
            throw error(where +
                        ": TrainingInputMode 'Pipe' is not supported yet; use input_mode='File' "
                        "(or 'FastFile') for the channel");
        if (!channel.input_mode.empty() && channel.input_mode != "File" && channel.input_mode != "FastFile")
            throw error(where + ": unknown TrainingInputMode " + quoted_excerpt(channel.input_mode) +
                        "; this container supports File and FastFile");
        const std::string wrapper = string_field(entry, "RecordWrapperType", where);
        if (!wrapper.empty() && wrapper != "None")
            throw error(where + ": RecordWrapperType " + quoted_excerpt(wrapper) +
                        " is not supported; the channel's files must be plain CSV");
        channels.push_back(std::move(channel));
    }
    return channels;
}

struct ResourceConfig {
    std::string current_host;  // "" when not known
    std::vector<std::string> hosts;
    std::string network_interface;  // network_interface_name: the one a multi-host job's MPI uses; "" when not given
};

inline ResourceConfig parse_resource_config(const nlohmann::json& config, const std::string& source) {
    if (!config.is_object()) throw error(source + " must hold a JSON object");
    ResourceConfig resources;
    resources.current_host = detail::container_config::string_field(config, "current_host", source);
    resources.network_interface = detail::container_config::string_field(config, "network_interface_name", source);
    if (auto hosts = config.find("hosts"); hosts != config.end()) {
        if (!hosts->is_array()) throw error(source + ": hosts must be a JSON list of host names");
        for (const auto& host : *hosts) {
            if (!host.is_string()) throw error(source + ": hosts must hold strings, got " + describe_json_value(host));
            resources.hosts.push_back(host.get<std::string>());
        }
    }
    return resources;
}

// A multi-host job (more than one host) runs one rank per host (train/multi_host.hpp): the
// host list must name each host once, this host among them.
inline void check_multi_host(const ResourceConfig& resources, const std::string& source) {
    if (resources.hosts.size() < 2) return;
    for (std::size_t i = 0; i < resources.hosts.size(); ++i) {
        if (resources.hosts[i].empty()) throw error(source + ": hosts holds an empty host name");
        for (std::size_t j = 0; j < i; ++j)
            if (resources.hosts[i] == resources.hosts[j])
                throw error(source + ": hosts names " + quoted_excerpt(resources.hosts[i]) + " twice");
    }
    if (std::find(resources.hosts.begin(), resources.hosts.end(), resources.current_host) == resources.hosts.end())
        throw error(source + ": current_host " + quoted_excerpt(resources.current_host) +
                    " is not one of the hosts (" + quoted_names(resources.hosts) + ")");
}

}  // namespace mlpipe::sagemaker
