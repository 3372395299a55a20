package dev.cdiff.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The CLI's logging: text on the console for people (demo, submit...), JSON lines when the launcher says so (service). */
class CliLogFormatTest {

    @Test
    void commandsLogTextUnlessTheLauncherAsksForJson() throws Exception {
        assertInstanceOf(PatternLayoutEncoder.class, consoleEncoder(null));
        assertInstanceOf(JsonEncoder.class, consoleEncoder("JSON"));
    }

    private static Object consoleEncoder(String appender) throws Exception {
        LoggerContext context = new LoggerContext();
        if (appender != null) {
            context.putProperty("cdiff.log.appender", appender);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(CliLogFormatTest.class.getResource("/logback.xml"));
        List<ConsoleAppender<ILoggingEvent>> consoles = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
             it.hasNext(); ) {
            if (it.next() instanceof ConsoleAppender<ILoggingEvent> c) {
                consoles.add(c);
            }
        }
        context.stop();
        assertEquals(1, consoles.size(), "one console appender on the root");
        return consoles.get(0).getEncoder();
    }
}
