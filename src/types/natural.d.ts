// natural's sub-modules, imported directly: its root module loads database drivers we never use.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(word: string): string };
  export default PorterStemmer;
}

declare module 'natural/lib/natural/classifiers/bayes_classifier.js' {
  interface Classification {
    label: string;
    value: number;
  }
  class BayesClassifier {
    constructor(stemmer?: unknown, smoothing?: number);
    features: Record<string, number>;
    classifier: {
      addExample(observation: Record<number, number> | number[], label: string): void;
      getClassifications(observation: Record<number, number> | number[]): Classification[];
    };
    addDocument(text: string | string[], label: string): void;
    train(): void;
  }
  export default BayesClassifier;
}
