package io.nexusai.admin.console;

import io.quarkus.qute.TemplateData;

/**
 * What every console page shows around its content: which page it is (for the navigation), the session's CSRF token
 * (each form carries it), and a message or an error to show on top.
 */
@TemplateData
public record Frame(String page, String csrf, String message, String error) {

    public Frame withError(String error) {
        return new Frame(page, csrf, message, error);
    }

    public Frame withMessage(String message) {
        return new Frame(page, csrf, message, error);
    }
}
