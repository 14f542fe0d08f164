//! palisade-compiler: the `.pol` policy language.
