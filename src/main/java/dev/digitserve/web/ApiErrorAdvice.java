package dev.digitserve.web;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The service's only exception handler: every exception that leaves a handler, or that Spring MVC raises
 * before one is chosen (unknown path, wrong method, unacceptable {@code Accept}), goes through the
 * {@link ErrorTable} and out through the {@link ErrorRenderer} in the shape of the request's {@link Api}.
 * First in line, so nothing else answers in another shape.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ApiErrorAdvice {

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> handle(Exception e, HttpServletRequest request) {
        Api api = Api.of(request);
        return ErrorRenderer.entity(ErrorTable.describe(e, api, request), api);
    }
}
