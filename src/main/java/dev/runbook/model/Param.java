package dev.runbook.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A parameter value as written: plain data whose strings may hold {@code ${{ }}} expressions, with the
 * JSON pointer where it stands.
 */
public record Param(JsonNode value, String pointer) {
}
