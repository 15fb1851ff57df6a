# Builds and runs the consumer app (tests/consumer/app) as an outside project would:
#
#   MODE=find_package      installs this mlpipe build into a fresh prefix under WORK_DIR, then
#                          configures tests/consumer/find_package with CMAKE_PREFIX_PATH=<prefix>
#   MODE=add_subdirectory  configures tests/consumer/add_subdirectory with
#                          MLPIPE_SOURCE_DIR=<mlpipe's source tree>
#
# then builds the app and runs it; it must exit 0 and print "consumer ok". Fails with a message
# naming the step at the first thing that goes wrong. Run by CTest (tests/CMakeLists.txt):
#
#   cmake -DMODE=... -DMLPIPE_SOURCE_DIR=... -DMLPIPE_BINARY_DIR=... -DCONSUMER_SOURCE_DIR=...
#         -DWORK_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=... -DCXX_COMPILER=... -DBUILD_CONFIG=...
#         -DEigen3_DIR=... -DBoost_DIR=... -DWITH_PRECOMPILED=0|1] -P run_consumer.cmake
cmake_minimum_required(VERSION 3.21)

foreach(required IN ITEMS MODE MLPIPE_SOURCE_DIR MLPIPE_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR)
    if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
        message(FATAL_ERROR "run_consumer.cmake: -D${required}=... is required")
    endif()
endforeach()
if(NOT MODE MATCHES "^(find_package|add_subdirectory)$")
    message(FATAL_ERROR "run_consumer.cmake: MODE must be find_package or add_subdirectory, not '${MODE}'")
endif()
if(NOT DEFINED BUILD_CONFIG OR BUILD_CONFIG STREQUAL "")
    set(BUILD_CONFIG Release)
endif()

# Runs a command; on failure stops with the step's name, the command and its output.
function(run_step step)
    string(REPLACE ";" " " command_text "${ARGN}")
    message(STATUS "[consumer ${MODE}] ${step}: ${command_text}")
    execute_process(COMMAND ${ARGN}
        RESULT_VARIABLE result
        OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "consumer test (${MODE}) FAILED at step '${step}' (exit code: ${result})\n"
                            "command: ${command_text}\n"
                            "output:\n${output}")
    endif()
    set(step_output "${output}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(build_dir "${WORK_DIR}/build")

# The consumer app is built without the optimiser: the test asks whether an outside project
# configures, builds, links and runs against mlpipe's targets, not how fast (-O0 compiles the
# header-only pipeline in a third of the time).
string(TOUPPER "${BUILD_CONFIG}" _config)
set(configure_args -S "${CONSUMER_SOURCE_DIR}/${MODE}" -B "${build_dir}" -G "${GENERATOR}"
                   -DCMAKE_BUILD_TYPE=${BUILD_CONFIG}
                   "-DCMAKE_CXX_FLAGS_${_config}=-O0"
                   -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(GENERATOR_PLATFORM)
    list(APPEND configure_args -A "${GENERATOR_PLATFORM}")
endif()
if(GENERATOR_TOOLSET)
    list(APPEND configure_args -T "${GENERATOR_TOOLSET}")
endif()
if(MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX_COMPILER)
    list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
# Where the main build found mlpipe's dependencies, so the consumer finds the same ones.
foreach(dependency_dir IN ITEMS Eigen3_DIR Boost_DIR)
    if(${dependency_dir})
        list(APPEND configure_args "-D${dependency_dir}=${${dependency_dir}}")
    endif()
endforeach()

if(MODE STREQUAL "find_package")
    set(prefix "${WORK_DIR}/prefix")
    run_step("install mlpipe into ${prefix}"
        "${CMAKE_COMMAND}" --install "${MLPIPE_BINARY_DIR}" --prefix "${prefix}" --config "${BUILD_CONFIG}")
    if(NOT EXISTS "${prefix}/include/mlpipe/core.hpp")
        message(FATAL_ERROR "consumer test (${MODE}) FAILED: the install did not put include/mlpipe/core.hpp "
                            "under ${prefix}")
    endif()
    list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix}" "-DMLPIPE_EXPECTED_PREFIX=${prefix}")
else()
    list(APPEND configure_args "-DMLPIPE_SOURCE_DIR=${MLPIPE_SOURCE_DIR}")
endif()

run_step("configure the consumer project" "${CMAKE_COMMAND}" ${configure_args})
run_step("build the consumer app" "${CMAKE_COMMAND}" --build "${build_dir}" --config "${BUILD_CONFIG}")

# The app, and in find_package mode, when this build has mlpipe::precompiled (WITH_PRECOMPILED,
# which tests/CMakeLists.txt passes), the app linked with it (app_precompiled).
set(apps app)
if(MODE STREQUAL "find_package" AND WITH_PRECOMPILED)
    list(APPEND apps app_precompiled)
endif()
foreach(name IN LISTS apps)
    set(app "")
    foreach(candidate IN ITEMS "${build_dir}/${name}" "${build_dir}/${name}.exe"
                               "${build_dir}/${BUILD_CONFIG}/${name}" "${build_dir}/${BUILD_CONFIG}/${name}.exe")
        if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
            set(app "${candidate}")
            break()
        endif()
    endforeach()
    if(NOT app)
        message(FATAL_ERROR "consumer test (${MODE}) FAILED: the build made no ${name} executable in ${build_dir}")
    endif()

    run_step("run the consumer ${name}" "${app}" "${WORK_DIR}/${name}.mlpipe")
    if(NOT step_output MATCHES "consumer ok")
        message(FATAL_ERROR "consumer test (${MODE}) FAILED: ${name} exited 0 but did not print 'consumer ok':\n"
                            "${step_output}")
    endif()
    message("${step_output}")
endforeach()
message(STATUS "[consumer ${MODE}] passed")
