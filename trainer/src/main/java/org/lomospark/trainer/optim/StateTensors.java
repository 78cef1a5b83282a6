package org.lomospark.trainer.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.lomospark.trainer.tensor.Tensors;

/**
 * Optimizer statistics: fp32 tensors per parameter and stat, created as zeros on the parameter's device the
 * first time the parameter is updated. Externally they are keyed {@code "<param name>.<stat>"}.
 */
final class StateTensors implements AutoCloseable {

    /** One statistic a rule keeps for a parameter, with the shape it must have. */
    record Stat(String suffix, long... shape) {}

    private final Set<String> suffixes;
    private final Map<String, Map<String, Tensor>> byParam = new LinkedHashMap<>();

    StateTensors(String... suffixes) {
        this.suffixes = Set.of(suffixes);
    }

    /**
     * The statistics of one parameter in the order asked; this object keeps owning them. Call inside
     * {@link Scoped}: the tensors made here are retained so they outlive it.
     */
    List<Tensor> of(String name, Tensor param, Stat... stats) {
        Map<String, Tensor> held = byParam.get(name);
        if (held == null) {
            held = new LinkedHashMap<>();
            for (Stat s : stats) {
                held.put(s.suffix(), kept(torch.zeros(s.shape(), Tensors.options(ScalarType.Float, param.device()))));
            }
            byParam.put(name, held);
        }
        List<Tensor> out = new ArrayList<>(stats.length);
        for (Stat s : stats) {
            String key = name + "." + s.suffix();
            Tensor t = held.get(s.suffix());
            if (t == null) {
                throw new IllegalArgumentException("optimizer state is missing " + key);
            }
            if (!Arrays.equals(Tensors.shape(t), s.shape())) {
                throw new IllegalArgumentException("optimizer state " + key + " has shape "
                        + Arrays.toString(Tensors.shape(t)) + ", parameter " + name + " needs " + Arrays.toString(s.shape()));
            }
            if (!t.device().equals(param.device())) {
                // loaded state sits on the CPU until the parameter's first update moves it, once
                Tensor moved = kept(t.to(param.device(), ScalarType.Float));
                t.close();
                held.put(s.suffix(), moved);
                t = moved;
            }
            out.add(t);
        }
        if (held.size() != stats.length) {
            List<String> asked = Arrays.stream(stats).map(Stat::suffix).toList();
            String extra = held.keySet().stream().filter(k -> !asked.contains(k)).findFirst().orElseThrow();
            throw new IllegalArgumentException("optimizer state " + name + "." + extra + " does not fit parameter "
                    + name + ", which keeps " + asked);
        }
        return out;
    }

    /** CPU fp32 copies keyed {@code "<param name>.<stat>"}; the caller closes them. */
    Map<String, Tensor> copies() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Scoped.run(() -> flat().forEach((key, t) -> out.put(key, cpuCopy(t))));
        return out;
    }

    /**
     * Replaces the state with CPU fp32 copies of {@code state}. Holding state already, the keys and shapes must
     * match it exactly; fresh, any known stat is taken and checked against its parameter at first use.
     */
    void load(Map<String, Tensor> state) {
        Map<String, Map<String, Tensor>> parsed = new LinkedHashMap<>();
        state.forEach((key, t) -> {
            int dot = key.lastIndexOf('.');
            if (dot <= 0 || !suffixes.contains(key.substring(dot + 1))) {
                throw new IllegalArgumentException("unknown optimizer state key " + key
                        + ": expected <param name>.<stat> with stat one of " + suffixes);
            }
            parsed.computeIfAbsent(key.substring(0, dot), n -> new LinkedHashMap<>()).put(key.substring(dot + 1), t);
        });
        if (!byParam.isEmpty()) {
            requireSameLayout(state);
        }
        close();
        Scoped.run(() -> parsed.forEach((name, stats) -> {
            Map<String, Tensor> copies = new LinkedHashMap<>();
            stats.forEach((suffix, t) -> copies.put(suffix, cpuCopy(t)));
            byParam.put(name, copies);
        }));
    }

    private void requireSameLayout(Map<String, Tensor> state) {
        Map<String, Tensor> held = flat();
        for (String key : state.keySet()) {
            if (!held.containsKey(key)) {
                throw new IllegalArgumentException("unknown optimizer state key " + key + ": this optimizer holds no such stat");
            }
        }
        held.forEach((key, t) -> {
            Tensor loaded = state.get(key);
            if (loaded == null) {
                throw new IllegalArgumentException("optimizer state key " + key + " is missing");
            }
            if (!Arrays.equals(Tensors.shape(loaded), Tensors.shape(t))) {
                throw new IllegalArgumentException("optimizer state " + key + " has shape "
                        + Arrays.toString(Tensors.shape(loaded)) + ", expected " + Arrays.toString(Tensors.shape(t)));
            }
        });
    }

    private Map<String, Tensor> flat() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        byParam.forEach((name, stats) -> stats.forEach((suffix, t) -> out.put(name + "." + suffix, t)));
        return out;
    }

    /** A CPU fp32 copy that outlives the enclosing scope. */
    private static Tensor cpuCopy(Tensor t) {
        return kept(t.to(new Device(DeviceType.CPU), ScalarType.Float, false, true, new MemoryFormatOptional()));
    }

    /** Retains t so it outlives the enclosing scope; closing it releases it. */
    private static Tensor kept(Tensor t) {
        t.retainReference();
        return t;
    }

    @Override
    public void close() {
        byParam.values().forEach(stats -> stats.values().forEach(Tensor::close));
        byParam.clear();
    }
}
