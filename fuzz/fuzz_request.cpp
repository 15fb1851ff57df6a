// libFuzzer target: the SageMaker container's request path without HTTP. The body is decoded
// as the server decodes it (examples/sagemaker/request_parsing.hpp: text/csv, application/json
// or application/jsonlines records, against the input columns of a real penguins model), the
// records are predicted, and the answer is written as the server writes it (text/csv,
// application/json or application/jsonlines, examples/sagemaker/response_format.hpp).
// The Content-Type and Accept parsers (media_types.hpp) get bytes of the input too.
//
// Input: byte 0 = input format (bit 0: csv/json; bit 3: jsonlines instead), output format
// (bits 1-2: csv, json, jsonlines, or "parse the next line as Accept and Content-Type headers")
// and, bit 4, CSV answers with the label and the probabilities; the rest is the body.

#include "small_model.hpp"

#include "../examples/sagemaker/serve/media_types.hpp"
#include "../examples/sagemaker/common/prediction.hpp"
#include "../examples/sagemaker/serve/request_parsing.hpp"
#include "../examples/sagemaker/serve/response_format.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace sm = mlpipe::sagemaker;

struct Server {
    mlpipe::fuzz::Model model = mlpipe::fuzz::small_model();
    sm::RecordReader reader{model.schema()};
    sm::ResponseWriter writer{model.classes()};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Server server;
    if (size == 0) return 0;
    std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    sm::Format input = data[0] & 8 ? sm::Format::jsonlines : data[0] & 1 ? sm::Format::json : sm::Format::csv;
    const sm::CsvOutput csv_output{.label = true, .probabilities = (data[0] & 16) != 0};
    sm::Format output = sm::Format::csv;
    switch ((data[0] >> 1) & 3) {
        case 0: output = sm::Format::csv; break;
        case 1: output = sm::Format::json; break;
        case 2: output = sm::Format::jsonlines; break;
        case 3: {  // "Accept\tContent-Type\n" then the body
            const std::size_t line_end = body.find('\n');
            const std::string_view headers = body.substr(0, line_end);
            body = line_end == std::string_view::npos ? std::string_view() : body.substr(line_end + 1);
            const std::size_t tab = headers.find('\t');
            try {
                const auto accepted = sm::output_format(headers.substr(0, tab), sm::Format::csv);
                const auto content = sm::input_format(tab == std::string_view::npos ? std::string_view()
                                                                                    : headers.substr(tab + 1));
                if (!accepted || !content) return 0;  // 406 / 415
                output = *accepted;
                input = *content;
            } catch (const mlpipe::error&) {
                return 0;
            }
            break;
        }
    }
    try {
        const mlpipe::Frame records = server.reader.read(input, body);
        const sm::Predictions predictions =
            sm::predict(server.model, records, sm::needs_probabilities(output, csv_output));
        const std::string answer = server.writer.write(output, predictions, csv_output);
        if (answer.empty()) mlpipe::fuzz::fail("an empty answer to " + std::to_string(records.rows()) + " records");
    } catch (const mlpipe::error&) {  // a 4xx answer; anything else is a finding
    }
    return 0;
}
