package org.lomospark.bench.prepare;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The words of {@link AlpacaCorpus}: about 2,200 English and English-like words, each drawn with a Zipf-like
 * frequency (the k-th most common word with weight {@code 1 / (k + 2.7)}, the Zipf-Mandelbrot law that running
 * English text follows), so "the" is about one word in twenty-five, as in real prose, and a BPE tokenizer meets
 * frequent short words and rare long ones in a realistic mix.
 *
 * <pre>
 * Vocabulary v = Vocabulary.english();
 * byte[] word = v.lower(v.draw(rng));   // UTF-8, ready to copy into a JSON string
 * </pre>
 *
 * <p>Built from base lists with regular English inflection (plural, past, gerund, adverb), which makes a few
 * words no dictionary has ("beginned"): fine for throughput, which is what the corpus is for. A few accented
 * loan words and CJK words exercise multi-byte UTF-8. The ranking is fixed (its own seed), not the corpus's.
 */
final class Vocabulary {
    /** The most common words, most common first: they take the top ranks. */
    private static final String FUNCTION = """
            the of and to a in is that for it as with was on be by this are or at from not but have an they
            which you we his her can all their there has been one will more if would so no what about when out
            up do into some them these than other its time only also new could may such like then our how any
            first most two over just use each many because those after where through while should very even
            well before between both under same three must might being own without during against another
            did had were said made went knew took saw came thought gave found told got few yet still here
            every around often always never again however although since until whether though within upon
            """;
    private static final String NOUNS = """
            year people way day man thing woman life child world school state family student group country
            problem hand part place case week company system program question work government number night
            point home water room mother area money story fact month lot right study book eye job word
            business issue side kind head house service friend father power hour game line end member law car
            city community name president team minute idea body information back parent face level office door
            health person art war history party result change morning reason research girl moment air teacher
            force education foot boy age policy process music market sense nation plan college interest death
            experience effect class control care field development role effort rate heart drug show leader
            light voice wife police mind price report decision son view relationship town road arm difference
            value building action model season society tax director position player record paper space ground
            form event official matter center couple site project activity star table need court oil
            situation cost industry figure street image phone data picture practice piece land product doctor
            wall patient worker news test movie north love support technology step baby computer type
            attention film tree source organization hair window evidence population truth song economy method
            energy language river garden kitchen recipe ocean mountain planet climate network software
            algorithm battery engine customer email message letter dog cat bird animal plant flower forest
            island village bridge train airport hotel restaurant menu coffee tea bread cheese fruit apple
            orange lemon vegetable potato tomato rice soup salad sugar salt pepper butter chocolate cake knife
            spoon bottle glass box bag shirt shoe hat coat color shape size weight speed distance temperature
            pressure signal sound noise wave particle atom molecule cell gene protein brain muscle bone blood
            skin disease treatment medicine vaccine hospital nurse lesson exam grade library museum theater
            concert painting poem novel chapter sentence paragraph grammar vocabulary translation keyboard
            screen printer server database file folder password account profile website browser search query
            answer solution example summary list detail feature benefit risk advantage challenge opportunity
            strategy goal task deadline meeting schedule budget invoice contract agreement partner client
            supplier brand campaign advertisement review rating survey habit routine exercise sleep diet meal
            breakfast lunch dinner holiday vacation journey map direction corner path neighbor stranger crowd
            audience speaker author artist scientist engineer farmer chef pilot driver lawyer judge soldier
            king queen prince castle empire revolution election vote citizen freedom justice peace conflict
            border trade export import currency bank loan profit loss growth inflation wage salary employee
            manager owner shop store mall factory machine tool device sensor camera robot vehicle truck bicycle
            boat ship rocket satellite telescope microscope laboratory experiment theory hypothesis equation
            formula variable function argument parameter error bug feature release version update license
            copyright platform framework library interface protocol standard format document spreadsheet chart
            graph table column row cell value key token vector matrix tensor gradient layer neuron weight bias
            """;
    private static final String VERBS = """
            work call try ask need feel seem leave turn start show help talk play move live believe happen
            include continue learn change follow stop create speak read allow add spend open walk offer
            remember love consider appear wait serve expect stay reach remain suggest raise pass require
            report decide pull explain describe compare identify summarize list translate classify generate
            improve reduce increase measure calculate estimate predict design develop test check compute cook
            bake boil mix pour slice store clean wash paint travel visit explore protect prevent avoid support
            share connect install update delete save load print search sort filter count solve answer respond
            organize plan prepare review edit publish record train study practice discover invent produce
            deliver manage control affect cause depend enjoy prefer accept refuse arrive return enter climb
            jump kick push carry watch listen look answer imagine notice recognize realize wonder argue agree
            disagree convince persuade inform warn advise recommend encourage invite thank apologize complain
            celebrate collect gather divide multiply subtract sum convert transform replace repair maintain
            monitor analyze evaluate optimize simulate visualize describe outline highlight emphasize mention
            discuss debate question doubt trust hope wish plan schedule book cancel order deliver ship pack
            """;
    private static final String ADJECTIVES = """
            good new long great little own other old right big high different small large next early young
            important public bad same able free sure clear full special easy strong certain whole real best
            better true hard major recent simple local social natural human common short modern similar main
            international political national economic financial physical legal medical personal general
            private available likely various final current basic dark heavy light happy quick quiet careful
            beautiful serious popular poor rich safe warm cold hot fresh dry wet soft loud bright deep wide
            narrow thin thick sweet bitter sour fast slow efficient effective useful helpful creative accurate
            reliable complex difficult obvious typical unique rare ancient digital global urban rural formal
            friendly polite honest brave calm proud busy empty green blue red yellow white black brown purple
            golden silver wooden healthy delicious spicy tiny huge massive gentle rough smooth sharp flexible
            """;
    private static final String ADVERBS = """
            quickly slowly carefully easily clearly simply usually often sometimes rarely already almost nearly
            quite rather really actually especially generally recently finally suddenly together instead
            perhaps probably certainly exactly directly mostly mainly entirely completely partly widely
            """;
    private static final String PROPER = """
            Paris London Tokyo Berlin Madrid Rome Cairo Sydney Toronto Chicago Mumbai Lagos Einstein Newton
            Darwin Curie Shakespeare Python Java Linux Spark Monday Friday January March July October English
            French Spanish German Chinese Japanese Africa Europe Asia America Amazon Atlantic Pacific Mars
            """;
    /** Multi-byte UTF-8: two-byte Latin letters in loan words and names, three-byte CJK. */
    private static final String NON_ASCII = """
            café naïve résumé façade déjà jalapeño piñata fiancée crème brûlée über Zürich München São Köln
            Dvořák Łódź smörgåsbord coöperate protégé entrée soufflé Ångström Gödel Müller
            東京 北京 中文 日本語 漢字 学生 数据 모델
            """;

    private static final int TABLE_BITS = 20;
    /** Zipf-Mandelbrot's q: flattens the head so "the" is not one word in six. */
    private static final double Q = 2.7;

    private final byte[][] lower;
    private final byte[][] capitalized;
    /** Rank of each of 2^20 equally likely slots: a draw is one random int and one load. */
    private final short[] slots;

    private Vocabulary(List<String> words) {
        lower = new byte[words.size()][];
        capitalized = new byte[words.size()][];
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            for (int c = 0; c < w.length(); c++) {
                char ch = w.charAt(c);
                // the corpus copies words into JSON strings as they are: nothing here may need escaping
                if (ch == '"' || ch == '\\' || ch < 0x20) {
                    throw new IllegalStateException("word '" + w + "' would need JSON escaping");
                }
            }
            lower[i] = w.getBytes(StandardCharsets.UTF_8);
            int first = w.codePointAt(0);
            capitalized[i] = (new String(Character.toChars(Character.toUpperCase(first)))
                    + w.substring(Character.charCount(first))).getBytes(StandardCharsets.UTF_8);
        }
        slots = zipfSlots(words.size());
    }

    static Vocabulary english() {
        LinkedHashSet<String> words = new LinkedHashSet<>(split(FUNCTION));
        List<String> rest = new ArrayList<>();
        for (String n : split(NOUNS)) {
            rest.add(n);
            rest.add(plural(n));
        }
        for (String v : split(VERBS)) {
            rest.add(v);
            rest.add(plural(v));
            rest.add(past(v));
            rest.add(gerund(v));
        }
        for (String a : split(ADJECTIVES)) {
            rest.add(a);
            rest.add(adverb(a));
        }
        rest.addAll(split(ADVERBS));
        rest.addAll(split(PROPER));
        rest.addAll(split(NON_ASCII));
        // a fixed shuffle, so content words of every kind spread over the ranks
        SplittableRandom shuffle = new SplittableRandom(0x5eed);
        for (int i = rest.size() - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            String t = rest.get(i);
            rest.set(i, rest.get(j));
            rest.set(j, t);
        }
        words.addAll(rest);
        return new Vocabulary(List.copyOf(words));
    }

    int size() {
        return lower.length;
    }

    int draw(SplittableRandom rng) {
        return slots[rng.nextInt(1 << TABLE_BITS)];
    }

    byte[] lower(int word) {
        return lower[word];
    }

    byte[] capitalized(int word) {
        return capitalized[word];
    }

    private static short[] zipfSlots(int n) {
        if (n > Short.MAX_VALUE) {
            throw new IllegalStateException(n + " words do not fit the short slot table");
        }
        double total = 0;
        for (int k = 1; k <= n; k++) {
            total += 1 / (k + Q);
        }
        short[] slots = new short[1 << TABLE_BITS];
        double cumulative = 0;
        int word = 0;
        for (int s = 0; s < slots.length; s++) {
            double middle = (s + 0.5) / slots.length;
            while (word < n - 1 && cumulative + 1 / (word + 1 + Q) / total < middle) {
                cumulative += 1 / (word + 1 + Q) / total;
                word++;
            }
            slots[s] = (short) word;
        }
        return slots;
    }

    private static List<String> split(String block) {
        return List.of(block.trim().split("\\s+"));
    }

    private static String plural(String w) {
        if (w.endsWith("s") || w.endsWith("x") || w.endsWith("z") || w.endsWith("ch") || w.endsWith("sh")) {
            return w + "es";
        }
        return consonantY(w) ? w.substring(0, w.length() - 1) + "ies" : w + "s";
    }

    private static String past(String w) {
        if (w.endsWith("e")) {
            return w + "d";
        }
        return consonantY(w) ? w.substring(0, w.length() - 1) + "ied" : w + "ed";
    }

    private static String gerund(String w) {
        return w.endsWith("e") && !w.endsWith("ee") ? w.substring(0, w.length() - 1) + "ing" : w + "ing";
    }

    private static String adverb(String w) {
        if (w.endsWith("le")) {
            return w.substring(0, w.length() - 1) + "y";
        }
        return consonantY(w) ? w.substring(0, w.length() - 1) + "ily" : w + "ly";
    }

    private static boolean consonantY(String w) {
        return w.length() > 1 && w.endsWith("y") && "aeiou".indexOf(w.charAt(w.length() - 2)) < 0;
    }
}
