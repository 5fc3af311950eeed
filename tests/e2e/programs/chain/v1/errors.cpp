#include "errors.h"

ChainError::~ChainError() = default;
