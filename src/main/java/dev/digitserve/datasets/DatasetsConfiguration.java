package dev.digitserve.datasets;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.request.InputLimits;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class DatasetsConfiguration {

    /** Images in an archive are decoded with the same pixel limit as prediction uploads. */
    @Bean
    DatasetService datasetService(DatasetsProperties properties, InputLimits limits, JsonMapper json,
                                  ObjectProvider<DatasetUsers> users) {
        return new DatasetService(new DatasetStore(properties.dir(), json), properties,
                new DigitImageReader(limits.maxImagePixels()), users);
    }
}
