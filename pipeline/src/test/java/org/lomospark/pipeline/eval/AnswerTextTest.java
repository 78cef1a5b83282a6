package org.lomospark.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** SQuAD-style normalization and word-overlap scoring, on cases worked out by hand. */
class AnswerTextTest {

    @Test
    void normalizationLowercasesDropsPunctuationArticlesAndExtraWhitespace() {
        assertEquals("eiffeltower", AnswerText.normalize("The  Eiffel-Tower!"));
        assertEquals("apple day end", AnswerText.normalize("An apple, a day;\tTHE end."));
        assertEquals("us army", AnswerText.normalize(" U.S.\n Army "));
    }

    @Test
    void articlesGoOnlyAsWholeWordsAfterPunctuationIsGone() {
        assertEquals("theater anna then", AnswerText.normalize("theater Anna then"));
        assertEquals("", AnswerText.normalize("A-N")); // "an" once the hyphen is dropped
        // ’ is no ASCII punctuation: it stays, and it ends the word "the" before it
        assertEquals("’s", AnswerText.normalize("The’s"));
    }

    @Test
    void onlyAsciiPunctuationIsDropped() {
        assertEquals("café — naïve", AnswerText.normalize("Café — naïve!"));
    }

    @Test
    void exactMatchComparesNormalizedTexts() {
        assertTrue(AnswerText.exactMatch("The Eiffel Tower.", "eiffel   tower"));
        assertTrue(AnswerText.exactMatch("the", "A"), "both normalize to nothing");
        assertFalse(AnswerText.exactMatch("Barack Obama", "Obama"));
    }

    @Test
    void f1IsTheHarmonicMeanOfWordPrecisionAndRecall() {
        // 1 shared word: precision 1/2, recall 1 -> 2/3
        assertEquals(2.0 / 3, AnswerText.f1("Barack Obama", "Obama"), 1e-12);
        // "the" goes; cat, sat against cat, cat, sat: 2 shared, precision 1, recall 2/3 -> 4/5
        assertEquals(0.8, AnswerText.f1("the cat sat", "cat cat sat"), 1e-12);
        // a repeated word is shared only as often as the gold has it: 1 of 2, recall 1 -> 2/3
        assertEquals(2.0 / 3, AnswerText.f1("cat cat", "cat"), 1e-12);
        assertEquals(1.0, AnswerText.f1("The Beatles!", "beatles"), 1e-12);
        assertEquals(0.0, AnswerText.f1("Chicago", "White House"));
        assertEquals(0.0, AnswerText.f1("the", "a"), "no words, nothing shared, even though the texts match");
    }
}
