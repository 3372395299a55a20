package dev.cdiff.platform.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The service processes' logging file: JSON unless told otherwise, text when CDIFF_LOG_FORMAT/cdiff.log.format says so. */
class ServiceLogFormatTest {

    @Test
    void aServiceLogsJsonByDefault() throws Exception {
        List<Appender<ILoggingEvent>> appenders = rootAppenders(null);
        assertEquals(1, appenders.size());
        assertEquals("json", appenders.get(0).getName());
        assertInstanceOf(JsonEncoder.class, ((OutputStreamAppender<ILoggingEvent>) appenders.get(0)).getEncoder());
    }

    @Test
    void textIsOneSettingAway() throws Exception {
        List<Appender<ILoggingEvent>> appenders = rootAppenders("text");
        assertEquals(1, appenders.size());
        assertInstanceOf(PatternLayoutEncoder.class, ((OutputStreamAppender<ILoggingEvent>) appenders.get(0)).getEncoder());
    }

    private static List<Appender<ILoggingEvent>> rootAppenders(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        if (format != null) {
            context.putProperty("cdiff.log.format", format);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(ServiceLogFormatTest.class.getResource("/cdiff-service-logback.xml"));
        List<Appender<ILoggingEvent>> out = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
             it.hasNext(); ) {
            out.add(it.next());
        }
        context.stop();
        return out;
    }
}
