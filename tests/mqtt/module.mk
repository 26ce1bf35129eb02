# SPDX-License-Identifier: MIT
# tests/mqtt -- homectl-mqtt and real devices.
#   check-mqtt-unit  the dialect modules (daemons/mqtt/{conv,z2m,tasmota,shelly,hass}.c)
#                    against golden payloads (tests/mqtt/golden/*.in -> *.out) and
#                    cmocka tests, under ASan+UBSan;
#   check-mqtt       the test harness (private mosquitto, fake devices) and, end to
#                    end, homectl-mqtt between them and the other daemons.
MQTT_PURE := $(addprefix daemons/mqtt/,conv.c z2m.c tasmota.c shelly.c hass.c)
MQTT_UNIT_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

$(BUILD)/tests/mqtt/%.o: HOMECTL_CPPFLAGS += -Idaemons/mqtt
$(BUILD)/tests/mqtt/golden: $(BUILD)/tests/mqtt/golden.o $(call obj,$(MQTT_PURE)) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/tests/mqtt/%_test: $(BUILD)/tests/mqtt/%_test.o $(call obj,$(MQTT_PURE)) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(MQTT_UNIT_LIBS)
mqtt-unit-tests: $(BUILD)/tests/mqtt/golden $(BUILD)/tests/mqtt/dialect_test

CHECKS += check-mqtt-unit
# After san-build: both build into $(SAN_BUILD), which make check fills in parallel.
check-mqtt-unit: san-build
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=1 mqtt-unit-tests
	$(Q)$(RUN_SUITE) mqtt-unit tests/mqtt/run-golden $(SAN_BUILD)

CHECKS += check-mqtt
check-mqtt: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) mqtt node --test --test-concurrency=1 \
		--test-timeout=120000 tests/mqtt/
.PHONY: check-mqtt check-mqtt-unit mqtt-unit-tests

# The benchmark: homectl-mqtt's command and report latency beside a bare
# broker round (bench/mqtt-bench, bench/mqtt_latency.c).
BENCHES += bench-mqtt
$(BUILD)/bench/mqtt_latency: $(BUILD)/bench/mqtt_latency.o $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(MQTT_LDLIBS)
bench-mqtt: all $(BUILD)/bench/mqtt_latency
	$(Q)bench/mqtt-bench $(BUILD)
.PHONY: bench-mqtt
