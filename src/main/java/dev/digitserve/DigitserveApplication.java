package dev.digitserve;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.digitserve.training.TrainCommand;

/**
 * Entry point. {@code java -jar digitserve.jar} serves the models; {@code java -jar digitserve.jar train ...}
 * trains one model from the command line without starting the server (see {@link TrainCommand}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class DigitserveApplication {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("train")) {
            TrainCommand.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        SpringApplication.run(DigitserveApplication.class, args);
    }
}
